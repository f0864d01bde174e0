package dev.backendworkflows.local.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.local.LocalRunner;
import dev.backendworkflows.testutils.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bw's commands against a running local runner (the shipped workflows), and validate and run on files. */
class BwCliTest {
  private static final String KEY = "bwk_dev_clitest";
  private static LocalRunner runner;

  @BeforeAll
  static void start() throws Exception {
    runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", Fixtures.shippedWorkflows().toString(),
        "--api-key", KEY), Clock.systemUTC());
  }

  @AfterAll
  static void stop() throws Exception {
    runner.close();
  }

  /** One bw command's exit code and output. */
  record Result(int code, String out, String err) {}

  private static Result bw(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = new Bw(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), env)
        .run(args);
    return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static Result bw(String... args) {
    return bw(Map.of("BW_URL", runner.url(), "BW_API_KEY", KEY), args);
  }

  /** Calls an API workflow of the runner at {@code url} with {@code key}. */
  private static HttpResponse<String> post(String url, String workflow, String key, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url + "/wf/" + workflow))
        .header("authorization", "Bearer " + key).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, Object> onboard(String email) throws Exception {
    HttpResponse<String> r = post(runner.url(), "onboard-user", KEY, "{\"email\":\"" + email + "\",\"name\":\"Ada\"}");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.object(Json.read(r.body(), Object.class));
  }

  @Test
  void help_onEveryCommand_printsUsageAndExits0() {
    assertThat(bw("--help").out()).contains("validate", "logs", "schedules", "batches", "keys", "dev");
    for (String command : new String[] {"validate", "run", "logs", "schedules", "batches", "keys"}) {
      Result r = bw(command, "--help");
      assertThat(r.code()).as(command).isZero();
      assertThat(r.out()).as(command).startsWith("Usage: bw " + command);
    }
    assertThat(bw().code()).isEqualTo(Bw.USAGE);
    assertThat(bw("frobnicate").code()).isEqualTo(Bw.USAGE);
  }

  @Test
  void logs_afterARun_listsItAndShowsItsSteps() throws Exception {
    String runId = (String) onboard("logs@example.com").get("run_id");
    Result list = bw("logs", "--workflow", "onboard-user");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains(runId).contains("succeeded");
    Result all = bw("logs", "--trigger", "api");
    assertThat(all.out()).contains(runId);
    assertThat(bw("logs", "--trigger", "schedule").out()).doesNotContain(runId);
    Result one = bw("logs", runId);
    assertThat(one.code()).isZero();
    assertThat(one.out()).contains("create_thing").contains("send_email").contains("schedule_workflow");
    Result json = bw("logs", runId, "--json");
    assertThat(Json.tree(json.out()).path("run_id").asText()).isEqualTo(runId);
    Result missing = bw("logs", "01NOSUCHRUN");
    assertThat(missing.code()).isEqualTo(Bw.FAILED);
    assertThat(missing.err()).contains("run_not_found");
  }

  @Test
  void logs_follow_printsRunsThatStartAfterIt() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread follower = new Thread(() -> new Bw(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream()),
        Map.of("BW_URL", runner.url(), "BW_API_KEY", KEY)).run("logs", "--workflow", "onboard-user", "--follow"));
    follower.start();
    Thread.sleep(500);
    String runId = (String) onboard("follow@example.com").get("run_id");
    long deadline = System.currentTimeMillis() + 10_000;
    while (!out.toString(StandardCharsets.UTF_8).contains(runId) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    follower.interrupt();
    follower.join(5000);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains(runId);
    assertThat(follower.isAlive()).isFalse();
  }

  @Test
  void schedules_listAndCancel_cancelsThePendingRun() throws Exception {
    onboard("sched@example.com");
    Result list = bw("schedules", "--workflow", "onboarding-step", "--json");
    assertThat(list.code()).isZero();
    String id = Json.tree(list.out().lines().filter(l -> l.contains("sched@example.com") || l.contains("onboarding-step"))
        .findFirst().orElseThrow()).path("id").asText();
    Result cancel = bw("schedules", "cancel", id);
    assertThat(cancel.code()).as(cancel.err()).isZero();
    assertThat(cancel.out()).contains("cancelled " + id);
    assertThat(bw("schedules", "--status", "cancelled").out()).contains(id);
    Result again = bw("schedules", "cancel", id);
    assertThat(again.code()).isEqualTo(Bw.FAILED);
    assertThat(bw("schedules", "cancel").code()).isEqualTo(Bw.USAGE);
  }

  @Test
  void batches_showProgressBarsAndPauseResume() throws Exception {
    for (int i = 0; i < 3; i++) {
      onboard("batch" + i + "@example.com");
    }
    HttpResponse<String> started = post(runner.url(), "email-subscribers", KEY, "{\"subject\":\"News\",\"text\":\"Hi\"}");
    String batch = Json.tree(started.body()).path("response").path("batch_id").asText();
    assertThat(batch).isNotEmpty();
    Result list = bw("batches");
    assertThat(list.code()).isZero();
    assertThat(list.out()).contains(batch).containsPattern("\\[[#.]{30}\\]").contains("email-one-user");
    Result paused = bw("batches", "pause", batch);
    // a job this small may already have ended: then pausing is refused, as the API says
    if (paused.code() == Bw.OK) {
      assertThat(paused.out()).contains("paused");
      assertThat(bw("batches", "resume", batch).out()).contains("running");
    } else {
      assertThat(paused.err()).contains("batch_not_running");
      assertThat(bw("batches", "show", batch).out()).contains("done");
    }
    assertThat(bw("batches", "show", "01NOSUCHBATCH").err()).contains("batch_not_found");
  }

  @Test
  void keys_createListRevoke_theNewKeyCallsItsWorkflowsUntilRevoked() throws Exception {
    Result created = bw("keys", "create", "partner", "--workflows", "onboard-user");
    assertThat(created.code()).as(created.err()).isZero();
    String key = created.out().strip();
    assertThat(key).startsWith("bwk_");
    assertThat(bw("keys", "list").out()).contains("partner").contains("onboard-user").doesNotContain(key);
    HttpResponse<String> call = post(runner.url(), "onboard-user", key, "{\"email\":\"partner@example.com\",\"name\":\"P\"}");
    assertThat(call.statusCode()).isEqualTo(200);
    assertThat(bw(Map.of("BW_URL", runner.url(), "BW_API_KEY", key), "keys", "list").err()).contains("forbidden");
    assertThat(bw("keys", "revoke", "partner").out()).contains("revoked 1");
    assertThat(bw("keys", "list").out()).doesNotContain("partner");
    assertThat(bw("keys", "revoke", "partner").code()).isEqualTo(Bw.FAILED);
    assertThat(bw("keys", "create", "bad name").err()).contains("invalid_body");
  }

  @Test
  void remoteCommands_withoutKeyOrServer_sayWhatToDo() {
    Result noKey = bw(Map.of("BW_URL", runner.url()), "logs");
    assertThat(noKey.code()).isEqualTo(Bw.USAGE);
    assertThat(noKey.err()).contains("BW_API_KEY");
    Result wrongKey = bw(Map.of("BW_URL", runner.url(), "BW_API_KEY", "bwk_wrong"), "schedules");
    assertThat(wrongKey.code()).isEqualTo(Bw.FAILED);
    assertThat(wrongKey.err()).contains("401 unauthorized");
    Result down = bw(Map.of("BW_URL", "http://127.0.0.1:1", "BW_API_KEY", KEY), "logs");
    assertThat(down.code()).isEqualTo(Bw.UNREACHABLE);
    assertThat(down.err()).contains("cannot reach http://127.0.0.1:1");
  }

  @Test
  void options_unknownOrMistyped_areUsageErrors_andAFlagSetFalseIsFalse() {
    Result typo = bw("keys", "create", "typo", "--workflow", "onboard-user");
    assertThat(typo.code()).isEqualTo(Bw.USAGE);
    assertThat(typo.err()).contains("unknown option --workflow").contains("--workflows");
    assertThat(bw("keys", "list").out()).as("nothing was created").doesNotContain("typo");
    Result notAdmin = bw("keys", "create", "plain", "--admin=false", "--workflows", "onboard-user");
    assertThat(notAdmin.code()).as(notAdmin.err()).isZero();
    assertThat(bw("keys", "list", "--json").out()).contains("\"name\":\"plain\",\"admin\":false");
    assertThat(bw("keys", "revoke", "plain").code()).isZero();
    assertThat(bw("keys", "create", "x", "--admin=maybe").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("logs", "--stauts", "failed").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("logs", "--limit", "0").err()).contains("--limit must be a whole number from 1 to 100");
    assertThat(bw("logs", "--limit").err()).contains("--limit needs a value");
  }

  @Test
  void arguments_extraOrEmpty_areUsageErrors() {
    assertThat(bw("keys", "create", "x", "y").err()).contains("one key's name only");
    assertThat(bw("keys", "create", "x", "--workflows", ",,").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("keys", "create").err()).contains("give the key's name");
    assertThat(bw("logs", "a", "b").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("schedules", "--limit", "0").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("batches", "show", "a", "b").code()).isEqualTo(Bw.USAGE);
    assertThat(bw("keys", "list").out()).doesNotContain("\nx ");
  }

  @Test
  void devArgs_fromAnotherFolder_serveTheRepositorysWorkflows_andKeepRelativePathsTheUsers() {
    // the tests run in infra/local-runner, which has no functions/workflows of its own
    assertThat(Bw.devArgs(new String[] {"--port", "0", "--data-dir", "rel"}, "/repo"))
        .containsExactly("--port", "0", "--data-dir", "rel", "--workflows", "/repo/functions/workflows");
    assertThat(Bw.devArgs(new String[] {"--workflows", "mine"}, "/repo")).containsExactly("--workflows", "mine");
    assertThat(Bw.devArgs(new String[] {"--port", "0"}, null)).containsExactly("--port", "0");
  }

  @Test
  void badUrlOrAServerThatIsNotOne_isOneLineNotAStackTrace() throws Exception {
    Result noScheme = bw(Map.of("BW_URL", "localhost:3000", "BW_API_KEY", KEY), "logs");
    assertThat(noScheme.code()).isEqualTo(Bw.USAGE);
    assertThat(noScheme.err()).contains("must be an http(s) URL").doesNotContain("Exception").doesNotContain("\tat ");
    com.sun.net.httpserver.HttpServer html = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
    html.createContext("/", ex -> {
      byte[] page = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, page.length);
      ex.getResponseBody().write(page);
      ex.close();
    });
    html.start();
    try {
      Result other = bw(Map.of("BW_URL", "http://127.0.0.1:" + html.getAddress().getPort(), "BW_API_KEY", KEY), "schedules");
      assertThat(other.code()).isEqualTo(Bw.FAILED);
      assertThat(other.err()).contains("without JSON").doesNotContain("Exception");
    } finally {
      html.stop(0);
    }
  }

  @Test
  void schedulesRecurring_listsAndCancelsRecurringEvents(@TempDir Path dir) throws Exception {
    Files.copy(Fixtures.shippedWorkflows().resolve("data-schema.yaml"), dir.resolve("data-schema.yaml"));
    Files.writeString(dir.resolve("nudge.yaml"), """
        name: nudge
        trigger: { schedule: {} }
        parameters:
          user_id: { type: text }
        steps:
          - { action: log, message: "{% $params.user_id %}" }
        """);
    Files.writeString(dir.resolve("remind.yaml"), """
        name: remind
        trigger: { api: {} }
        parameters:
          user_id: { type: text, required: true }
        steps:
          - { action: set_recurring, workflow: nudge, type: user, thing_id: "{% $params.user_id %}", frequency: weekly,
              params: { user_id: "{% $params.user_id %}" } }
        """);
    try (LocalRunner other = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString(), "--api-key", KEY),
        Clock.systemUTC())) {
      Map<String, String> env = Map.of("BW_URL", other.url(), "BW_API_KEY", KEY);
      assertThat(bw(env, "schedules", "recurring").out()).isEmpty();
      HttpResponse<String> set = post(other.url(), "remind", KEY, "{\"user_id\":\"u-42\"}");
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      Result listed = bw(env, "schedules", "recurring", "--json");
      assertThat(listed.code()).isZero();
      String id = Json.tree(listed.out().lines().findFirst().orElseThrow()).path("id").asText();
      assertThat(bw(env, "schedules", "recurring").out()).contains(id).contains("nudge").contains("u-42");
      Result cancel = bw(env, "schedules", "recurring", "cancel", id);
      assertThat(cancel.code()).as(cancel.err()).isZero();
      assertThat(cancel.out()).contains("cancelled recurring event " + id);
      assertThat(bw(env, "schedules", "recurring").out()).isEmpty();
      assertThat(bw(env, "schedules", "recurring", "cancel", id).err()).contains("recurring_not_found");
      assertThat(bw(env, "schedules", "recurring", "cancel").code()).isEqualTo(Bw.USAGE);
    }
  }

  @Test
  void validate_badDefinitions_printsFileLineColumnAndExits1(@TempDir Path dir) throws Exception {
    Files.copy(Fixtures.shippedWorkflows().resolve("data-schema.yaml"), dir.resolve("data-schema.yaml"));
    Files.writeString(dir.resolve("bad.yaml"), """
        name: bad
        trigger: { api: {} }
        steps:
          - action: log
            message: hi
          - action: nope
        """);
    Result r = bw(Map.of(), "validate", dir.toString());
    assertThat(r.code()).isEqualTo(Bw.FAILED);
    assertThat(r.err()).contains(dir.resolve("bad.yaml") + ":6:5: steps[1].action: unknown action 'nope'");
    Files.writeString(dir.resolve("broken.yaml"), "name: broken\ntrigger: { api: {} }\nsteps:\n  - action: log\n     message: hi\n");
    Result yaml = bw(Map.of(), "validate", dir.toString());
    assertThat(yaml.err()).containsPattern(java.util.regex.Pattern.quote(dir.resolve("broken.yaml").toString()) + ":5:\\d+: not valid YAML");
    Files.delete(dir.resolve("broken.yaml"));
    Result ok = bw(Map.of(), "validate", Fixtures.shippedWorkflows().toString());
    assertThat(ok.code()).as(ok.err()).isZero();
    assertThat(ok.out()).contains("10 workflows valid");
    assertThat(bw(Map.of(), "validate", dir.resolve("missing").toString()).code()).isEqualTo(Bw.FAILED);
  }

  @Test
  void run_once_printsStepsAndExitsByOutcome(@TempDir Path dir) throws Exception {
    Files.copy(Fixtures.shippedWorkflows().resolve("data-schema.yaml"), dir.resolve("data-schema.yaml"));
    Files.writeString(dir.resolve("greet.yaml"), """
        name: greet
        trigger: { api: {} }
        parameters:
          who: { type: text, required: true }
          times: { type: number }
        steps:
          - { id: said, action: log, message: "{% 'hello ' & $params.who %}" }
          - { action: return, data: { greeting: "{% 'hello ' & $params.who %}", times: "{% $params.times %}" } }
        """);
    Result r = bw(Map.of(), "run", "greet", "who=Ada", "times=3", "--workflows", dir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("greet  succeeded").contains("said").contains("response: {\"greeting\":\"hello Ada\",\"times\":3}");
    Result rejected = bw(Map.of(), "run", "greet", "--workflows", dir.toString());
    assertThat(rejected.code()).isEqualTo(Bw.FAILED);
    assertThat(rejected.out()).contains("rejected").contains("error: invalid_parameters: Parameter 'who' is required (text)")
        .contains("  who: required: is required (text)");
    assertThat(bw(Map.of(), "run", "greet", "--params", "{\"who\":\"a\",\"who\":\"b\"}", "--workflows", dir.toString()).err())
        .contains("--params is not a JSON object").contains("Duplicate field 'who'").doesNotContain("com.fasterxml");
    assertThat(bw(Map.of(), "run", "greet", "who=a", "who=b", "--workflows", dir.toString()).err()).contains("given twice");
    java.io.PrintStream before = System.out;
    ByteArrayOutputStream processOut = new ByteArrayOutputStream();
    System.setOut(new PrintStream(processOut, true, StandardCharsets.UTF_8));
    Result json;
    try {
      json = bw(Map.of(), "run", "greet", "--params", "{\"who\":\"Bo\"}", "--json", "--workflows", dir.toString());
    } finally {
      System.setOut(before);
    }
    assertThat(json.out().strip().lines()).as("stdout is the run alone: one JSON document").hasSize(1);
    assertThat(Json.tree(json.out()).path("response").path("greeting").asText()).isEqualTo("hello Bo");
    // (the runner this class shares may log its own runs to stdout meanwhile: only greet's lines count)
    assertThat(processOut.toString(StandardCharsets.UTF_8)).as("the engine's log lines went to stderr, not stdout")
        .doesNotContain("\"workflow\":\"greet\"");
    assertThat(bw(Map.of(), "run", "nope", "--workflows", dir.toString()).err()).contains("no workflow named 'nope'").contains("greet");
    assertThat(bw(Map.of(), "run").code()).isEqualTo(Bw.USAGE);
  }
}
