package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local runner on {@code --data-dir}, killed with {@code kill -9} while an API run and a
 * scheduled run are each in the middle of an {@code api_call}: started again, it continues both from
 * their journals — neither is repeated from its start, and the API they call sees the same
 * Idempotency-Key on both tries.
 */
class LocalRunnerKillTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path tmp;

  private Path workflows(String url) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("workflows"));
    Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  note:\n    fields:\n      text: { type: text }\n");
    String steps = """
        steps:
          - { action: create_thing, type: note, fields: { text: "%1$s before" } }
          - { id: call, action: api_call, url: "%2$s", method: POST, body: { run: "{%% $run.id %%}" } }
          - { action: create_thing, type: note, fields: { text: "%1$s after" } }
          - { action: return, data: "{%% $steps.call.status %%}" }
        """;
    Files.writeString(dir.resolve("slow-api.yaml"), "name: slow-api\ntrigger: { api: {} }\n" + steps.formatted("api", url));
    Files.writeString(dir.resolve("slow-scheduled.yaml"), "name: slow-scheduled\ntrigger: { schedule: {} }\n"
        + steps.formatted("scheduled", url));
    Files.writeString(dir.resolve("start-slow.yaml"), """
        name: start-slow
        trigger: { api: {} }
        steps:
          - { action: schedule_workflow, workflow: slow-scheduled, after: PT0S }
        """);
    return dir;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> call(int port, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer bwk_test")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording());
  }

  private void awaitUp(int port, Process process) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      assertThat(process.isAlive()).as("runner process died: " + Files.readString(tmp.resolve("runner.log"))).isTrue();
      try {
        call(port, "GET", "/runs?status=running", null);
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the runner did not start: " + Files.readString(tmp.resolve("runner.log")));
  }

  private JsonNode runsOf(int port, String workflow) throws Exception {
    return Json.tree(call(port, "GET", "/runs?workflow=" + workflow, null).body()).path("runs");
  }

  @Test
  void killedMidRunItContinuesApiAndScheduledRunsFromTheirJournalsOnRestart() throws Exception {
    HangingServer server = new HangingServer("/charge", 2);
    Path dir = workflows(server.url("/charge"));
    Path data = tmp.resolve("data");
    int port = freePort();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process runner = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LocalRunner.class.getName(),
        "--port", Integer.toString(port), "--workflows", dir.toString(), "--data-dir", data.toString(), "--api-key", "bwk_test", "--allow-private-outbound")
        .redirectErrorStream(true).redirectOutput(tmp.resolve("runner.log").toFile()).start();
    try {
      awaitUp(port, runner);
      Thread apiCaller = Thread.ofVirtual().start(() -> {
        try {
          call(port, "POST", "/wf/slow-api", "{}");
        } catch (Exception killed) {
          // the runner died under this request
        }
      });
      assertThat(call(port, "POST", "/wf/start-slow", "{}").statusCode()).isEqualTo(200);
      assertThat(server.awaitReached(30)).as("both runs reached their api_call").isTrue();
      runner.destroyForcibly(); // SIGKILL: no shutdown hook, no last write
      assertThat(runner.waitFor(30, TimeUnit.SECONDS)).isTrue();
      apiCaller.join(Duration.ofSeconds(30));
    } finally {
      runner.destroyForcibly();
    }
    server.release();

    try (LocalRunner again = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString(),
        "--data-dir", data.toString(), "--api-key", "bwk_test", "--allow-private-outbound"), Clock.systemUTC())) {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline && Json.tree(call(again.port(), "GET", "/runs?status=running", null).body())
          .path("runs").size() > 0) {
        Thread.sleep(50);
      }
      for (String workflow : List.of("slow-api", "slow-scheduled")) {
        JsonNode runs = runsOf(again.port(), workflow);
        assertThat(runs).as(workflow).hasSize(1);
        JsonNode run = runs.get(0);
        assertThat(run.path("status").asText()).as(workflow).isEqualTo("succeeded");
        assertThat(run.path("attempt").asInt()).as(workflow + " continued by a second attempt").isEqualTo(2);
        assertThat(run.path("response").asInt()).isEqualTo(200);
      }
      JsonNode scheduled = runsOf(again.port(), "slow-scheduled").get(0);
      JsonNode schedule = Json.tree(call(again.port(), "GET", "/schedules/" + scheduled.path("run_id").asText(), null).body());
      assertThat(schedule.path("status").asText()).isEqualTo("succeeded");
      var notes = again.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false,
          100, null)).things().stream().map(t -> (String) t.fields().get("text")).sorted().toList();
      assertThat(notes).containsExactly("api after", "api before", "scheduled after", "scheduled before");
    } finally {
      server.close();
    }
    Map<String, Long> triesPerKey = server.keys().stream().collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    assertThat(triesPerKey).as("one Idempotency-Key per run, sent by the killed try and the continued one").hasSize(2)
        .allSatisfy((key, tries) -> assertThat(tries).isEqualTo(2L));
  }
}
