package dev.backendworkflows.local;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.KeptVersions;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The local runner: one command, no Docker, no AWS account. Serves the app's workflows on
 * localhost through the same Lambda handler AWS runs, on the embedded local stack.
 */
public final class LocalRunner implements AutoCloseable {
  static final String USAGE = """
      Usage: local runner [--port 3000] [--host 127.0.0.1] [--workflows functions/workflows]
                          [--data-dir DIR] [--keep-runs 20000] [--stage local] [--api-key KEY]
                          [--test-workflows DIR]
        --port       port to listen on (0 picks a free one)
        --workflows  folder of workflow .yaml files and data-schema.yaml
        --test-workflows DIR  also serve DIR's definitions as the test version, beside these, under
                     /version-test/ (/version-test/wf/{name}, /version-test/runs, …), with data of
                     its own (DATA_DIR/test, or memory)
        --data-dir   keep data, run logs and the dev API key in DIR across restarts (default: memory only)
        --keep-runs  finished runs kept in memory (default 20000); older ones move to files (in
                     DIR/runs-archive, or a temporary folder) and are still read, listed and replayed
        --api-key    use this dev API key instead of a generated one
        --jwt-secret HS256 secret of the dev tokens that workflows with auth: user accept (they must carry exp)
        --jwt-issuer, --jwt-audience  also require this iss and aud in those tokens
        --aws-endpoint URL  use a LocalStack-compatible emulator for DynamoDB, EventBridge Scheduler
                     and SES instead of the embedded stack; the runner fires the schedules it finds there
        --allow-private-outbound  let api_call reach localhost and private addresses (an API you run
                     locally); without it, as on AWS, only public addresses are called
        --check      start, print the banner and stop (the build runs this once to write the
                     class-data archive that makes ./bw dev start faster)
      """;

  /** Parsed command line. */
  public record Options(String host, int port, Path workflows, Path dataDir, String stage, String apiKey, String jwtSecret,
      String awsEndpoint, boolean allowPrivateOutbound, String jwtIssuer, String jwtAudience, int keepRuns, Path testWorkflows) {
    /** Finished runs the embedded run log keeps in memory unless told otherwise. */
    static final int KEEP_RUNS = 20_000;

    /** Where api_call may connect: OUTBOUND_ALLOWED_HOSTS as on AWS, private addresses only with --allow-private-outbound. */
    dev.backendworkflows.outbound.OutboundPolicy outbound() {
      var env = dev.backendworkflows.outbound.OutboundPolicy.fromEnvironment(System.getenv());
      return new dev.backendworkflows.outbound.OutboundPolicy(env.allowedHosts(), allowPrivateOutbound || env.allowPrivate());
    }

    /** The options that take a value. */
    private static final java.util.Set<String> VALUED = java.util.Set.of("--port", "--keep-runs", "--host", "--workflows",
        "--data-dir", "--stage", "--api-key", "--jwt-secret", "--jwt-issuer", "--jwt-audience", "--aws-endpoint", "--test-workflows");

    public static Options parse(String... args) {
      String host = "127.0.0.1";
      int port = 3000;
      Path workflows = Path.of("functions", "workflows");
      Path dataDir = null;
      String stage = "local";
      String apiKey = System.getenv("BW_API_KEY");
      String jwtSecret = System.getenv("BW_JWT_SECRET");
      String jwtIssuer = System.getenv("BW_JWT_ISSUER");
      String jwtAudience = System.getenv("BW_JWT_AUDIENCE");
      String awsEndpoint = null;
      boolean allowPrivateOutbound = false;
      int keepRuns = KEEP_RUNS;
      Path testWorkflows = null;
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          throw new IllegalArgumentException("");
        }
        if (flag.equals("--allow-private-outbound")) {
          allowPrivateOutbound = true;
          continue;
        }
        if (!VALUED.contains(flag)) {
          throw new IllegalArgumentException("unknown option " + flag);
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException(flag + " needs a value");
        }
        String value = args[++i];
        switch (flag) {
          case "--port" -> {
            try {
              port = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              port = -1;
            }
            if (port < 0 || port > 65535) {
              throw new IllegalArgumentException("--port must be a number from 0 to 65535 (0 picks a free one), got '" + value + "'");
            }
          }
          case "--keep-runs" -> {
            try {
              keepRuns = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              keepRuns = 0;
            }
            if (keepRuns < 1) {
              throw new IllegalArgumentException("--keep-runs must be a whole number of at least 1, got '" + value + "'");
            }
          }
          case "--host" -> host = value;
          case "--workflows" -> workflows = Path.of(value);
          case "--data-dir" -> dataDir = Path.of(value);
          case "--stage" -> stage = value;
          case "--api-key" -> apiKey = value;
          case "--jwt-secret" -> jwtSecret = value;
          case "--jwt-issuer" -> jwtIssuer = value;
          case "--jwt-audience" -> jwtAudience = value;
          case "--aws-endpoint" -> awsEndpoint = value;
          case "--test-workflows" -> testWorkflows = Path.of(value);
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      if (awsEndpoint != null && dataDir != null) {
        throw new IllegalArgumentException("--aws-endpoint and --data-dir exclude each other: with an emulator, data lives there");
      }
      if (awsEndpoint != null && testWorkflows != null) {
        throw new IllegalArgumentException("--aws-endpoint and --test-workflows exclude each other: the emulator holds one app's tables");
      }
      return new Options(host, port, workflows, dataDir, stage, apiKey, jwtSecret, awsEndpoint, allowPrivateOutbound, jwtIssuer,
          jwtAudience, keepRuns, testWorkflows);
    }
  }

  /** Where the test version is served, Bubble's URL shape. */
  public static final String TEST_PREFIX = "/version-test";
  private final RunnerStack stack;
  private final LocalHttpServer server;
  private final SchedulerLoop schedulerLoop;
  private final RunnerStack testStack;
  private final SchedulerLoop testLoop;
  private final Workflows testWorkflows;
  private final int rearmed;
  private final String apiKey;
  private final Workflows workflows;
  private final Options options;

  /**
   * Loads definitions, opens the stack and starts serving.
   *
   * @throws DefinitionException when a definition is broken (nothing is served)
   */
  public LocalRunner(Options options, Clock clock) throws IOException {
    this.options = options;
    this.workflows = new DefinitionLoader().load(options.workflows());
    this.testWorkflows = options.testWorkflows() == null ? null : new DefinitionLoader().load(options.testWorkflows());
    this.stack = options.awsEndpoint() != null
        ? RunnerStack.emulator(workflows, options.awsEndpoint(), clock, options.stage(), options.outbound(),
            versions(options.workflows(), options.dataDir()))
        : RunnerStack.embedded(workflows, options.dataDir(), options.keepRuns(), clock, options.stage(), options.outbound(),
            versions(options.workflows(), options.dataDir()));
    SchedulerLoop loop = null;
    LocalHttpServer http = null;
    RunnerStack test = null;
    SchedulerLoop tLoop = null;
    try {
      keepRan(options.workflows(), options.awsEndpoint() == null ? options.dataDir() : null);
      if (testWorkflows != null) { // the test version: its own data, schedules and change feed, beside live
        Path testData = options.dataDir() == null ? null : options.dataDir().resolve("test");
        test = RunnerStack.embedded(testWorkflows, testData, options.keepRuns(), clock, "test", options.outbound(),
            versions(options.testWorkflows(), testData));
        keepRan(options.testWorkflows(), testData);
      }
      this.apiKey = devKey(options);
      stack.keys().register(apiKey, "dev", true);
      loop = new SchedulerLoop(stack.services(), workflows, stack.scheduler(), stack.handler(), stack.pollsEmulator(),
          stack.deliveries(), stack::invocation);
      this.rearmed = loop.start(Duration.ofMillis(100));
      if (stack.changes() != null) {
        stack.changes().start();
      }
      if (test != null) {
        test.keys().register(apiKey, "dev", true);
        RunnerStack t = test;
        tLoop = new SchedulerLoop(t.services(), testWorkflows, t.scheduler(), t.handler(), false, t.deliveries(), t::invocation);
        tLoop.start(Duration.ofMillis(100));
        t.changes().start();
      }
      http = new LocalHttpServer(options.host(), options.port(), stack.handler(), apiKey);
      if (stack.outbox() != null) {
        http.addLocalRoute("/outbox", () -> java.util.Map.of("emails", stack.outbox().sent()));
      }
      java.util.Set<String> userPaths = userPaths(workflows);
      http.requireUser(userPaths::contains, new LocalJwtAuthorizer(options.jwtSecret(), options.jwtIssuer(), options.jwtAudience()));
      if (test != null) {
        java.util.Set<String> testUserPaths = userPaths(testWorkflows);
        http.mount(TEST_PREFIX, test.handler(), testUserPaths::contains);
        RunnerStack t = test;
        http.addLocalRoute(TEST_PREFIX + "/outbox", () -> java.util.Map.of("emails", t.outbox().sent()));
      }
      http.start();
    } catch (IOException | RuntimeException e) {
      // a runner that did not start leaves nothing running, and its data directory free
      closeQuietly(http);
      closeQuietly(tLoop);
      closeQuietly(test);
      closeQuietly(loop);
      closeQuietly(stack);
      throw e;
    }
    this.schedulerLoop = loop;
    this.server = http;
    this.testStack = test;
    this.testLoop = tLoop;
  }

  /** The routes of {@code workflows} that take a user's JWT (auth: user). */
  private static java.util.Set<String> userPaths(Workflows workflows) {
    java.util.Set<String> paths = new java.util.HashSet<>();
    workflows.byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.API && w.trigger().auth() == Trigger.Auth.USER)
        .forEach(w -> {
          paths.add("/wf/" + w.name());
          paths.add("/wf/" + w.name() + "/");
        });
    return paths;
  }

  /**
   * The versions a run of {@code definitions} may have started under: those kept beside the
   * definitions, and, with a data directory, those every start on that data loaded ({@link #keepRan}).
   */
  private static KeptVersions versions(Path definitions, Path dataDir) {
    List<Path> kept = new java.util.ArrayList<>(List.of(definitions.resolve(KeptVersions.FOLDER)));
    if (dataDir != null) {
      kept.add(dataDir.resolve(KeptVersions.FOLDER));
    }
    return new KeptVersions(definitions, kept);
  }

  /** Keeps this start's versions of {@code definitions} in {@code dataDir} (once its stack holds the directory's lock). */
  private static void keepRan(Path definitions, Path dataDir) {
    if (dataDir != null) {
      KeptVersions.keep(DefinitionLoader.sources(definitions), dataDir.resolve(KeptVersions.FOLDER));
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception suppressed) {
      // already failing; the first error is the one to report
    }
  }

  SchedulerLoop schedulerLoop() {
    return schedulerLoop;
  }

  /** The dev key: given, or kept in the data directory, or new for this run. */
  private static String devKey(Options options) throws IOException {
    if (options.apiKey() != null && !options.apiKey().isBlank()) {
      return options.apiKey();
    }
    if (options.dataDir() == null) {
      return dev.backendworkflows.auth.ApiKeys.PREFIX + "dev_" + dev.backendworkflows.internal.Ids.secret(18);
    }
    Path file = options.dataDir().resolve("dev-api-key");
    if (Files.exists(file)) {
      return Files.readString(file, StandardCharsets.UTF_8).strip();
    }
    Files.createDirectories(options.dataDir());
    String key = dev.backendworkflows.auth.ApiKeys.PREFIX + "dev_" + dev.backendworkflows.internal.Ids.secret(18);
    Files.writeString(file, key, StandardCharsets.UTF_8);
    return key;
  }

  public int port() {
    return server.port();
  }

  public String apiKey() {
    return apiKey;
  }

  public RunnerStack stack() {
    return stack;
  }

  /** The test version's stack (served under {@value #TEST_PREFIX}), or null without --test-workflows. */
  public RunnerStack testStack() {
    return testStack;
  }

  public String url() {
    String host = options.host().equals("0.0.0.0") || options.host().equals("127.0.0.1") ? "localhost" : options.host();
    return "http://" + host + ":" + port();
  }

  void printBanner(PrintStream out) {
    List<WorkflowDefinition> api = workflows.byName().values().stream()
        .filter(w -> w.trigger().kind() == Trigger.Kind.API).sorted(Comparator.comparing(WorkflowDefinition::name)).toList();
    List<WorkflowDefinition> runnable = api.stream().filter(this::runnable).toList();
    List<String> waiting = api.stream().filter(w -> !runnable(w)).map(WorkflowDefinition::name).toList();
    out.println("Backend Workflows local runner");
    out.println("  Serving       " + url() + "   (stage " + options.stage() + ", data "
        + (options.awsEndpoint() != null ? "in the emulator at " + options.awsEndpoint()
            : options.dataDir() == null ? "in memory" : "in " + options.dataDir()) + ")");
    out.println("  Workflows     " + workflows.byName().size() + " loaded from " + options.workflows() + "; over HTTP: "
        + String.join(", ", runnable.stream().map(WorkflowDefinition::name).toList()));
    if (!waiting.isEmpty()) {
      out.println("                (" + String.join(", ", waiting) + " use actions this version does not have yet: they answer 422 action_unavailable)");
    }
    workflows.warnings().forEach(w -> out.println("  Warning       " + w));
    out.println("  Dev API key   " + apiKey + "   (admin: also /runs, /schedules, /recurring, /chains, /batches, /workflows, /keys)");
    if (testStack != null) {
      out.println("  Test version  " + url() + TEST_PREFIX + "/wf/{name}   (" + testWorkflows.byName().size() + " workflows from "
          + options.testWorkflows() + ", stage test, data " + (options.dataDir() == null ? "in memory" : "in "
          + options.dataDir().resolve("test")) + "; the same dev key)");
    }
    out.println("  Dashboard     " + url() + "/dashboard   (enter the dev API key; OpenAPI at " + url() + "/openapi.json)");
    if (stack.outbox() != null) {
      out.println("  Outbox        " + url() + "/outbox   (email is captured here, not sent)");
    } else {
      out.println("  Email         SES in the emulator (sender " + RunnerStack.LOCAL_MAIL_FROM + ", verified at start)");
    }
    out.println("  Scheduler     " + (stack.pollsEmulator() ? "EventBridge Scheduler in the emulator; the runner fires due schedules (within ~1 s)"
        : "local: fires scheduled runs within a second of their time"
        + (rearmed > 0 ? "; " + rearmed + " pending run(s) re-armed" : "")));
    List<String> onChange = workflows.byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.DATA_CHANGE)
        .map(w -> w.name() + " (" + w.trigger().dataChange().type() + ")").sorted().toList();
    if (!onChange.isEmpty()) {
      out.println("  Data changes  " + (stack.changes() != null ? "run " + String.join(", ", onChange) + " in commit order"
          : "NOT delivered: with an emulator the Things table's stream is not read, so " + String.join(", ", onChange)
              + " do not run"));
    }
    // the example call carries the dev API key: a workflow that takes one
    runnable.stream().filter(w -> !w.example().isEmpty() && w.trigger().auth() == Trigger.Auth.API_KEY).findFirst().ifPresent(w -> {
      out.println();
      out.println("Try:");
      out.println("  curl -s -X POST " + url() + "/wf/" + w.name() + " \\");
      out.println("    -H 'Authorization: Bearer " + apiKey + "' -H 'Content-Type: application/json' \\");
      out.println("    -d '" + Json.write(w.example()) + "'");
      out.println("  curl -s " + url() + "/runs/<run_id> -H 'Authorization: Bearer " + apiKey + "'");
    });
    out.flush();
  }

  /** True when every step's action exists in this runtime. */
  private boolean runnable(WorkflowDefinition wf) {
    return wf.steps().stream().allMatch(step -> stack.actions().has(step.action()));
  }

  @Override
  public void close() throws Exception {
    // each is closed whatever the others do, the stacks (and their data directories' locks) last
    Exception first = null;
    for (AutoCloseable c : new AutoCloseable[] {server, testLoop, testStack, schedulerLoop, stack}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  public static void main(String[] args) throws Exception {
    boolean check = java.util.Arrays.asList(args).contains("--check");
    Options options;
    try {
      options = Options.parse(java.util.Arrays.stream(args).filter(a -> !a.equals("--check")).toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      if (e.getMessage().isEmpty()) { // --help
        System.out.print(USAGE);
        System.exit(0);
        return;
      }
      System.err.println("error: " + e.getMessage() + " (--help lists the options)");
      System.exit(2);
      return;
    }
    LocalRunner runner;
    try {
      runner = new LocalRunner(options, Clock.systemUTC());
    } catch (DefinitionException e) {
      System.err.println("Cannot start: " + e.getMessage());
      System.exit(1);
      return;
    } catch (DataDirLock.DataDirInUseException e) {
      System.err.println("Cannot start: " + e.getMessage());
      System.exit(1);
      return;
    } catch (java.net.BindException e) {
      System.err.println("Cannot start: port " + options.port() + " on " + options.host() + " is in use; pick another with --port");
      System.exit(1);
      return;
    } catch (IOException e) { // a host that does not resolve or is not this machine's
      System.err.println("Cannot start: cannot listen on " + options.host() + ":" + options.port() + " ("
          + (e.getCause() != null ? e.getCause().getClass().getSimpleName().replace("Exception", "") : e.getMessage())
          + "); give --host an address of this machine, such as 127.0.0.1");
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception ignored) {
        // shutting down anyway
      }
    }));
    runner.printBanner(System.out);
    if (check) {
      System.exit(0); // the shutdown hook closes the runner
    }
    Thread.currentThread().join();
  }
}
