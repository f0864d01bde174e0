package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --test-workflows}: a second definitions folder served as the test version under
 * {@code /version-test/} (Bubble's URL shape), beside live, with its own data, runs and stage, kept
 * across a restart.
 */
class VersionTestRoutesTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path tmp;

  private Path app(String name, String greeting) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  note:\n    fields:\n      text: { type: text }\n");
    Files.writeString(dir.resolve("greet.yaml"), """
        name: greet
        trigger: { api: {} }
        steps:
          - { id: note, action: create_thing, type: note, fields: { text: %s } }
          - { action: return, data: { greeting: %s } }
        """.formatted(greeting, greeting));
    return dir;
  }

  private HttpResponse<String> call(LocalRunner runner, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer bwk_test")
        .header("Content-Type", "application/json")
        .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  private LocalRunner start(Path live, Path test, Path data) throws Exception {
    return new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", live.toString(), "--test-workflows",
        test.toString(), "--data-dir", data.toString(), "--api-key", "bwk_test"), Clock.systemUTC());
  }

  @Test
  void theTestVersionIsServedUnderVersionTestBesideLiveWithDataOfItsOwn() throws Exception {
    Path live = app("live", "hello");
    Path test = app("test", "hi-there");
    Path data = tmp.resolve("data");
    try (LocalRunner runner = start(live, test, data)) {
      HttpResponse<String> liveAnswer = call(runner, "POST", "/wf/greet");
      HttpResponse<String> testAnswer = call(runner, "POST", "/version-test/wf/greet");

      assertThat(liveAnswer.statusCode()).as(liveAnswer.body()).isEqualTo(200);
      assertThat(Json.tree(liveAnswer.body()).path("response").path("greeting").asText()).isEqualTo("hello");
      assertThat(testAnswer.statusCode()).as(testAnswer.body()).isEqualTo(200);
      assertThat(Json.tree(testAnswer.body()).path("response").path("greeting").asText()).isEqualTo("hi-there");

      JsonNode liveRuns = Json.tree(call(runner, "GET", "/runs?workflow=greet").body()).path("runs");
      JsonNode testRuns = Json.tree(call(runner, "GET", "/version-test/runs?workflow=greet").body()).path("runs");
      assertThat(liveRuns).hasSize(1);
      assertThat(testRuns).hasSize(1);
      assertThat(testRuns.get(0).path("run_id").asText()).isNotEqualTo(liveRuns.get(0).path("run_id").asText());
      assertThat(testRuns.get(0).path("stage").asText()).isEqualTo("test");
      assertThat(liveRuns.get(0).path("stage").asText()).isEqualTo("local");
      assertThat(call(runner, "GET", "/version-test/runs/" + liveRuns.get(0).path("run_id").asText()).statusCode())
          .as("live's run is not the test version's").isEqualTo(404);
      assertThat(runner.testStack().services().things().search(new dev.backendworkflows.data.ThingQuery("note",
          java.util.List.of(), null, false, 10, null)).things()).extracting(t -> t.fields().get("text")).containsExactly("hi-there");

      HttpResponse<String> unknown = call(runner, "POST", "/version-test/wf/nope");
      assertThat(unknown.statusCode()).isEqualTo(404);
      assertThat(Json.tree(unknown.body()).path("error").path("code").asText()).isNotEmpty();
    }
    try (LocalRunner again = start(live, test, data)) {
      assertThat(Json.tree(call(again, "GET", "/version-test/runs?workflow=greet").body()).path("runs")).as("kept across a restart")
          .hasSize(1);
      assertThat(Json.tree(call(again, "GET", "/runs?workflow=greet").body()).path("runs")).hasSize(1);
    }
  }

  @Test
  void theTestVersionFiresItsOwnSchedulesAndKeepsItsOwnOutbox() throws Exception {
    Path live = app("live2", "hello");
    Path test = app("test2", "hi");
    Files.writeString(test.resolve("later.yaml"), """
        name: later
        trigger: { api: {} }
        steps:
          - { action: schedule_workflow, workflow: noted, after: PT0S, params: {} }
          - { action: send_email, to: ada@example.com, subject: tried, text: in the test version }
        """);
    Files.writeString(test.resolve("noted.yaml"), """
        name: noted
        trigger: { schedule: {} }
        steps:
          - { action: create_thing, type: note, fields: { text: scheduled } }
        """);
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", live.toString(),
        "--test-workflows", test.toString(), "--api-key", "bwk_test"), Clock.systemUTC())) {
      assertThat(call(runner, "POST", "/version-test/wf/later").statusCode()).isEqualTo(200);
      long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
      while (runner.testStack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", java.util.List.of(), null,
          false, 10, null)).things().isEmpty()) {
        assertThat(System.nanoTime()).as("the test version's scheduled run").isLessThan(deadline);
        Thread.sleep(20);
      }
      assertThat(Json.tree(call(runner, "GET", "/version-test/outbox").body()).path("emails")).hasSize(1);
      assertThat(Json.tree(call(runner, "GET", "/outbox").body()).path("emails")).isEmpty();
      assertThat(runner.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", java.util.List.of(), null,
          false, 10, null)).things()).as("live's data untouched").isEmpty();
    }
  }

  @Test
  void withoutTestWorkflowsThereIsNoTestVersion() throws Exception {
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", app("only", "hello").toString(),
        "--api-key", "bwk_test"), Clock.systemUTC())) {
      assertThat(runner.testStack()).isNull();
      assertThat(call(runner, "POST", "/version-test/wf/greet").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void anEmulatorAndATestVersionExcludeEachOther() {
    assertThatThrownBy(() -> LocalRunner.Options.parse("--aws-endpoint", "http://localhost:4566", "--test-workflows", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exclude each other");
  }
}
