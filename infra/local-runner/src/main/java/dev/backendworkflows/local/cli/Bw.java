package dev.backendworkflows.local.cli;

import dev.backendworkflows.definition.DefinitionError;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.SourceLocations;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.local.LocalRunner;
import dev.backendworkflows.local.RunnerStack;
import dev.backendworkflows.outbound.OutboundPolicy;
import dev.backendworkflows.runlog.RunRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code bw}, the command line: validate definitions, run a workflow once, start the local runner,
 * and read and steer a running deployment (runs, schedules, batch jobs, API keys) over its admin API.
 */
public final class Bw {
  /** Exit codes. */
  static final int OK = 0, FAILED = 1, USAGE = 2, UNREACHABLE = 3;

  static final String HELP = """
      bw — Backend Workflows on the command line

      Usage: bw <command> [options]    (bw <command> --help for more)

        dev        start the local runner (the options of the runner: bw dev --help)
        validate   check workflow definitions: file:line:col: reason for each problem
        run        run a workflow once, locally and in memory, and print its run
        logs       list runs (filters, --follow), or show one run's steps
        schedules  list scheduled runs, or cancel one
        batches    batch jobs with progress bars; pause, resume, cancel, retry
        keys       create, list and revoke API keys

      The commands that talk to a runner or a deployed stack take --url (env BW_URL, default
      http://localhost:3000) and --key (env BW_API_KEY: an admin key).
      Exit codes: 0 done, 1 failed (invalid definitions, a failed run, an error answer), 2 usage,
      3 the server could not be reached.
      """;

  private final PrintStream out;
  private final PrintStream err;
  private final Map<String, String> env;

  Bw(PrintStream out, PrintStream err, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.env = env;
  }

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("dev")) {
      LocalRunner.main(devArgs(java.util.Arrays.copyOfRange(args, 1, args.length), System.getenv("BW_ROOT")));
      return;
    }
    int code = new Bw(System.out, System.err, System.getenv()).run(args);
    System.out.flush();
    System.exit(code);
  }

  /**
   * The runner's arguments for {@code bw dev}: as given, and, when no {@code --workflows} is given
   * and the working folder has no functions/workflows, the repository's ({@code root}, which the
   * bw script passes), so that bw dev works from any folder while relative paths stay the user's.
   */
  static String[] devArgs(String[] args, String root) {
    boolean given = java.util.Arrays.stream(args).anyMatch(a -> a.equals("--workflows") || a.equals("--help") || a.equals("-h"));
    Path local = Path.of("functions", "workflows");
    if (given || Files.isDirectory(local) || root == null) {
      return args;
    }
    String[] withDefault = java.util.Arrays.copyOf(args, args.length + 2);
    withDefault[args.length] = "--workflows";
    withDefault[args.length + 1] = Path.of(root).resolve(local).toString();
    return withDefault;
  }

  /** functions/workflows here, or (from another folder) the repository's, which the bw script names in BW_ROOT. */
  private String defaultWorkflows() {
    Path local = Path.of("functions", "workflows");
    return Files.isDirectory(local) || env.get("BW_ROOT") == null ? local.toString()
        : Path.of(env.get("BW_ROOT")).resolve(local).toString();
  }

  /** Runs one command; returns its exit code. */
  int run(String... args) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
      (args.length == 0 ? err : out).print(HELP);
      return args.length == 0 ? USAGE : OK;
    }
    String command = args[0];
    Args a;
    try {
      a = Args.parse(OPTIONS.getOrDefault(command, java.util.Set.of()), FLAGS.getOrDefault(command, java.util.Set.of()),
          java.util.Arrays.copyOfRange(args, 1, args.length));
    } catch (IllegalArgumentException e) {
      err.println("bw " + command + ": " + e.getMessage() + " (bw " + command + " --help)");
      return USAGE;
    }
    try {
      return switch (command) {
        case "validate" -> validate(a);
        case "run" -> runOnce(a);
        case "logs" -> Remote.logs(this, a);
        case "schedules" -> Remote.schedules(this, a);
        case "batches" -> Remote.batches(this, a);
        case "keys" -> Remote.keys(this, a);
        default -> {
          err.println("bw: unknown command '" + command + "'");
          err.print(HELP);
          yield USAGE;
        }
      };
    } catch (UsageException e) {
      err.println("bw " + command + ": " + e.getMessage());
      return USAGE;
    } catch (Remote.Unreachable e) {
      err.println("bw " + command + ": " + e.getMessage());
      return UNREACHABLE;
    } catch (RuntimeException e) { // a fault of bw's own: one line, no stack trace
      err.println("bw " + command + ": failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      return FAILED;
    }
  }

  private static final java.util.Set<String> REMOTE = java.util.Set.of("url", "key");
  /** The options (with a value) each command takes; anything else is a usage error. */
  private static final Map<String, java.util.Set<String>> OPTIONS = Map.of(
      "validate", java.util.Set.of(),
      "run", java.util.Set.of("params", "workflows"),
      "logs", union(REMOTE, "workflow", "status", "trigger", "limit"),
      "schedules", union(REMOTE, "status", "workflow", "limit"),
      "batches", union(REMOTE, "status", "limit"),
      "keys", union(REMOTE, "workflows"));
  /** The flags each command takes ({@code --name}, or {@code --name=true|false}). */
  private static final Map<String, java.util.Set<String>> FLAGS = Map.of(
      "validate", java.util.Set.of("help", "h"),
      "run", java.util.Set.of("help", "h", "json"),
      "logs", java.util.Set.of("help", "h", "json", "follow", "f"),
      "schedules", java.util.Set.of("help", "h", "json"),
      "batches", java.util.Set.of("help", "h", "json"),
      "keys", java.util.Set.of("help", "h", "json", "admin"));

  private static java.util.Set<String> union(java.util.Set<String> base, String... more) {
    java.util.Set<String> all = new java.util.TreeSet<>(base);
    all.addAll(List.of(more));
    return java.util.Set.copyOf(all);
  }

  PrintStream out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  Map<String, String> env() {
    return env;
  }

  static final String VALIDATE_HELP = """
      Usage: bw validate [DIR ...]
        Loads each folder of definitions (default functions/workflows: workflow .yaml files and
        data-schema.yaml) as a deployment would, and prints every problem as file:line:col: path: reason.
        Exit 0 when all load, 1 when any has a problem.
      """;

  private int validate(Args a) {
    if (a.help()) {
      out.print(VALIDATE_HELP);
      return OK;
    }
    List<String> dirs = a.positional().isEmpty() ? List.of(defaultWorkflows()) : a.positional();
    int problems = 0;
    for (String d : dirs) {
      Path dir = Path.of(d);
      if (!Files.isDirectory(dir)) {
        err.println(d + ": not a folder of workflow definitions");
        problems++;
        continue;
      }
      try {
        Workflows wfs = new DefinitionLoader().load(dir);
        for (DefinitionError w : wfs.warnings()) {
          err.println(located(dir, w) + " (warning)");
        }
        int n = wfs.byName().size();
        if (n == 0) {
          err.println(d + ": no workflow definitions (*.yaml) in this folder");
          problems++;
          continue;
        }
        out.println(d + ": " + n + (n == 1 ? " workflow" : " workflows") + " valid");
      } catch (DefinitionException e) {
        for (DefinitionError error : e.errors()) {
          err.println(located(dir, error));
        }
        problems += e.errors().size();
      }
    }
    if (problems > 0) {
      err.println(problems + " problem" + (problems == 1 ? "" : "s"));
    }
    return problems == 0 ? OK : FAILED;
  }

  /** {@code file:line:col: path: reason}, the file named relative to the working folder as given. */
  static String located(Path dir, DefinitionError e) {
    Path file = dir.resolve(e.file());
    // an error of the folder itself (a missing data schema, a cycle across files) names the folder
    String where = Files.isRegularFile(file) ? file.toString() : dir.toString();
    java.util.regex.Matcher yamlError = YAML_ERROR_AT.matcher(e.path());
    if (yamlError.matches()) { // YAML that does not parse: the parser says where
      return where + ":" + yamlError.group(1) + ":" + yamlError.group(2) + ": " + e.reason();
    }
    try {
      if (Files.isRegularFile(file)) {
        where += ":" + SourceLocations.of(Files.readString(file, StandardCharsets.UTF_8)).find(e.path());
      }
    } catch (IOException ignored) {
      // an unreadable file is named without a line
    }
    return where + ": " + e.path() + ": " + e.reason();
  }

  private static final java.util.regex.Pattern YAML_ERROR_AT = java.util.regex.Pattern.compile("^line (\\d+), column (\\d+)$");

  static final String RUN_HELP = """
      Usage: bw run WORKFLOW [name=value ...] [--params JSON] [--workflows DIR] [--json]
        Runs WORKFLOW once in memory (nothing is kept, email goes to no one) and prints its run:
        each step with its status, duration and output. name=value gives a parameter (the value is
        read as JSON when it parses, else as text); --params gives them all as a JSON object.
        Exit 0 when the run succeeded or terminated, 1 when it failed or was rejected.
      """;

  private int runOnce(Args a) {
    if (a.help()) {
      out.print(RUN_HELP);
      return OK;
    }
    if (a.positional().isEmpty()) {
      throw new UsageException("name the workflow to run (bw run WORKFLOW name=value ...)");
    }
    String name = a.positional().getFirst();
    if (name.contains("=")) {
      throw new UsageException("name the workflow first: bw run WORKFLOW name=value ...");
    }
    Map<String, Object> params = new LinkedHashMap<>();
    if (a.option("params") != null) {
      Object parsed;
      try { // as strict as the HTTP API: one value, no key twice
        parsed = Json.STRICT.readValue(a.option("params"), Object.class);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        var at = e.getLocation();
        throw new UsageException("--params is not a JSON object" + (at == null ? "" : " (column " + at.getColumnNr() + ")")
            + ": " + e.getOriginalMessage().lines().findFirst().orElse(""));
      }
      if (!(parsed instanceof Map<?, ?> m)) {
        throw new UsageException("--params must be a JSON object");
      }
      m.forEach((k, v) -> params.put(String.valueOf(k), v));
    }
    for (String pair : a.positional().subList(1, a.positional().size())) {
      int eq = pair.indexOf('=');
      if (eq < 1) {
        throw new UsageException("'" + pair + "' is not name=value");
      }
      String value = pair.substring(eq + 1);
      Object v;
      try {
        v = Json.read(value, Object.class);
      } catch (RuntimeException notJson) {
        v = value;
      }
      if (params.put(pair.substring(0, eq), v) != null) {
        throw new UsageException("parameter '" + pair.substring(0, eq) + "' is given twice");
      }
    }
    Path dir = Path.of(a.option("workflows", defaultWorkflows()));
    Workflows wfs;
    try {
      wfs = new DefinitionLoader().load(dir);
    } catch (DefinitionException e) {
      e.errors().forEach(error -> err.println(located(dir, error)));
      return FAILED;
    }
    if (wfs.get(name).isEmpty()) {
      err.println("bw run: no workflow named '" + name + "' in " + dir + "; there are: " + String.join(", ", new java.util.TreeSet<>(wfs.byName().keySet())));
      return FAILED;
    }
    PrintStream stdout = System.out;
    // the engine's log lines (JSON, one a line) go to stderr: stdout is the run alone
    System.setOut(System.err);
    try (RunnerStack stack = RunnerStack.embedded(wfs, null, 100, Clock.systemUTC(), "cli", OutboundPolicy.fromEnvironment(env))) {
      WorkflowEngine engine = stack.engine();
      RecordShown shown;
      try {
        RunOutcome outcome = engine.run(new RunRequest(name, params, "api", "cli"));
        shown = new RecordShown(outcome.record());
      } catch (WorkflowEngine.RejectedRunException e) {
        shown = new RecordShown(stack.services().runs().get(e.runId()).orElseThrow());
      }
      System.setOut(stdout);
      if (a.flag("json")) {
        out.println(Json.write(shown.record()));
      } else {
        Render.run(out, shown.record());
      }
      return switch (shown.record().status()) {
        case SUCCEEDED, TERMINATED -> OK;
        default -> FAILED;
      };
    } catch (Exception e) {
      if (e instanceof RuntimeException r) {
        throw r;
      }
      throw new IllegalStateException(e);
    } finally {
      System.setOut(stdout);
    }
  }

  private record RecordShown(RunRecord record) {}

  /** A command line used wrongly; exit 2. */
  static final class UsageException extends RuntimeException {
    UsageException(String message) {
      super(message);
    }
  }

  /** Options ({@code --name value}, {@code --flag}) and positional arguments. */
  record Args(List<String> positional, Map<String, String> options) {
    /**
     * Reads {@code args}: each option must be one of {@code options} (it takes a value: {@code
     * --name value} or {@code --name=value}) or of {@code flags} ({@code --name}, {@code
     * --name=true} or {@code --name=false}).
     *
     * @throws IllegalArgumentException naming an unknown option, a missing value or a flag's bad value
     */
    static Args parse(java.util.Set<String> options, java.util.Set<String> flags, String... args) {
      List<String> positional = new ArrayList<>();
      Map<String, String> parsed = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        String s = args[i];
        if (s.equals("--")) {
          positional.addAll(List.of(args).subList(i + 1, args.length));
          break;
        }
        if (!s.startsWith("-") || s.equals("-")) {
          positional.add(s);
          continue;
        }
        String name = s.replaceFirst("^--?", "");
        String value = null;
        int eq = name.indexOf('=');
        if (eq > 0) {
          value = name.substring(eq + 1);
          name = name.substring(0, eq);
        }
        if (flags.contains(name)) {
          if (value != null && !value.equals("true") && !value.equals("false")) {
            throw new IllegalArgumentException(s + ": --" + name + " is true or false");
          }
          parsed.put(name, value == null ? "true" : value);
          continue;
        }
        if (!options.contains(name)) {
          java.util.Set<String> known = new java.util.TreeSet<>(options);
          known.addAll(flags);
          known.removeIf(k -> k.length() == 1);
          throw new IllegalArgumentException("unknown option " + s + (known.isEmpty() ? "" : "; it takes --" + String.join(", --", known)));
        }
        if (value == null) {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(s + " needs a value");
          }
          value = args[++i];
        }
        parsed.put(name, value);
      }
      return new Args(positional, parsed);
    }

    boolean help() {
      return flag("help") || flag("h");
    }

    boolean flag(String name) {
      return "true".equals(options.get(name));
    }

    String option(String name) {
      return options.get(name);
    }

    String option(String name, String fallback) {
      return options.getOrDefault(name, fallback);
    }
  }
}
