package dev.backendworkflows.local;

import dev.backendworkflows.definition.DefinitionLoader;
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
        --port       port to listen on (0 picks a free one)
        --workflows  folder of workflow .yaml files and data-schema.yaml
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
      """;

  /** Parsed command line. */
  public record Options(String host, int port, Path workflows, Path dataDir, String stage, String apiKey, String jwtSecret,
      String awsEndpoint, boolean allowPrivateOutbound, String jwtIssuer, String jwtAudience, int keepRuns) {
    /** Finished runs the embedded run log keeps in memory unless told otherwise. */
    static final int KEEP_RUNS = 20_000;

    /** Where api_call may connect: OUTBOUND_ALLOWED_HOSTS as on AWS, private addresses only with --allow-private-outbound. */
    dev.backendworkflows.outbound.OutboundPolicy outbound() {
      var env = dev.backendworkflows.outbound.OutboundPolicy.fromEnvironment(System.getenv());
      return new dev.backendworkflows.outbound.OutboundPolicy(env.allowedHosts(), allowPrivateOutbound || env.allowPrivate());
    }

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
      for (int i = 0; i < args.length; i++) {
        String flag = args[i];
        if (flag.equals("--help") || flag.equals("-h")) {
          throw new IllegalArgumentException("");
        }
        if (flag.equals("--allow-private-outbound")) {
          allowPrivateOutbound = true;
          continue;
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
              throw new IllegalArgumentException("--port must be a number, got '" + value + "'");
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
          default -> throw new IllegalArgumentException("unknown option " + flag);
        }
      }
      if (awsEndpoint != null && dataDir != null) {
        throw new IllegalArgumentException("--aws-endpoint and --data-dir exclude each other: with an emulator, data lives there");
      }
      return new Options(host, port, workflows, dataDir, stage, apiKey, jwtSecret, awsEndpoint, allowPrivateOutbound, jwtIssuer,
          jwtAudience, keepRuns);
    }
  }

  private final RunnerStack stack;
  private final LocalHttpServer server;
  private final SchedulerLoop schedulerLoop;
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
    this.stack = options.awsEndpoint() != null
        ? RunnerStack.emulator(workflows, options.awsEndpoint(), clock, options.stage(), options.outbound())
        : RunnerStack.embedded(workflows, options.dataDir(), options.keepRuns(), clock, options.stage(), options.outbound());
    SchedulerLoop loop = null;
    LocalHttpServer http = null;
    try {
      this.apiKey = devKey(options);
      stack.keys().register(apiKey, "dev", true);
      loop = new SchedulerLoop(stack.services(), workflows, stack.scheduler(), stack.handler(), stack.pollsEmulator(),
          stack.deliveries(), stack::invocation);
      this.rearmed = loop.start(Duration.ofMillis(100));
      if (stack.changes() != null) {
        stack.changes().start();
      }
      http = new LocalHttpServer(options.host(), options.port(), stack.handler(), apiKey);
      if (stack.outbox() != null) {
        http.addLocalRoute("/outbox", () -> java.util.Map.of("emails", stack.outbox().sent()));
      }
      java.util.Set<String> userPaths = new java.util.HashSet<>();
      workflows.byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.API && w.trigger().auth() == Trigger.Auth.USER)
          .forEach(w -> {
            userPaths.add("/wf/" + w.name());
            userPaths.add("/wf/" + w.name() + "/");
          });
      http.requireUser(userPaths::contains, new LocalJwtAuthorizer(options.jwtSecret(), options.jwtIssuer(), options.jwtAudience()));
      http.start();
    } catch (IOException | RuntimeException e) {
      // a runner that did not start leaves nothing running, and its data directory free
      closeQuietly(http);
      closeQuietly(loop);
      closeQuietly(stack);
      throw e;
    }
    this.schedulerLoop = loop;
    this.server = http;
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
    out.println("  Dev API key   " + apiKey + "   (admin: can also use /runs, /schedules, /chains, /batches)");
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
    server.close();
    schedulerLoop.close();
    stack.close();
  }

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      if (!e.getMessage().isEmpty()) {
        System.err.println("error: " + e.getMessage());
      }
      System.err.print(USAGE);
      System.exit(e.getMessage().isEmpty() ? 0 : 2);
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
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        runner.close();
      } catch (Exception ignored) {
        // shutting down anyway
      }
    }));
    runner.printBanner(System.out);
    Thread.currentThread().join();
  }
}
