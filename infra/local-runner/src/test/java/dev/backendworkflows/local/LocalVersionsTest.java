package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.definition.KeptVersions;
import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run in the middle of its steps when its workflow's definition changes: the local runner keeps
 * every version it ran in its data directory, so after a {@code kill -9} and a restart on the
 * changed definition the run finishes under the steps it started with.
 */
class LocalVersionsTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path tmp;

  private static String ship(String url, String last) {
    return """
        name: ship
        trigger: { api: {} }
        steps:
          - { action: create_thing, type: note, fields: { text: before } }
          - { action: api_call, method: POST, url: "%s", body: { run: "{%% $run.id %%}" } }
          - { action: create_thing, type: note, fields: { text: %s } }
        """.formatted(url, last);
  }

  @Test
  void aRunKilledMidwayFinishesUnderItsOriginalVersionAfterTheDefinitionChanged() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("wf"));
    Path data = tmp.resolve("data");
    try (HangingServer server = new HangingServer("/ship", 1)) {
      Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  note:\n    fields:\n      text: { type: text }\n");
      Files.writeString(dir.resolve("ship.yaml"), ship(server.url("/ship"), "after-v1"));
      RunnerProcess started = RunnerProcess.start(dir, data, tmp.resolve("runner.log"));
      Process killed = started.process();
      int port = started.port();
      try {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Thread caller = null;
        while (caller == null) {
          assertThat(killed.isAlive()).as(Files.readString(tmp.resolve("runner.log"))).isTrue();
          assertThat(System.nanoTime()).as("the runner started").isLessThan(deadline);
          try (var probe = new java.net.Socket("127.0.0.1", port)) {
            int p = port;
            caller = Thread.ofVirtual().start(() -> {
              try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + "/wf/ship")).header("Authorization", "Bearer bwk_test")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
              } catch (Exception runnerKilled) {
                // the runner dies under this request
              }
            });
          } catch (IOException notYet) {
            Thread.sleep(100);
          }
        }
        assertThat(server.awaitReached(30)).as("the run reached its api_call").isTrue();
        killed.destroyForcibly();
        assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
      } finally {
        killed.destroyForcibly();
      }
      server.release();
      // a deploy meanwhile: the last step now writes something else
      Files.writeString(dir.resolve("ship.yaml"), ship(server.url("/ship"), "after-v2"));

      try (LocalRunner again = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString(),
          "--data-dir", data.toString(), "--api-key", "bwk_test", "--allow-private-outbound"), Clock.systemUTC())) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        JsonNode run = null;
        while (System.nanoTime() < deadline) {
          JsonNode runs = Json.tree(http.send(HttpRequest.newBuilder(URI.create(again.url() + "/runs?workflow=ship"))
              .header("Authorization", "Bearer bwk_test").build(), HttpResponse.BodyHandlers.ofString()).body()).path("runs");
          if (runs.size() == 1 && !runs.get(0).path("status").asText().equals("running")) {
            run = runs.get(0);
            break;
          }
          Thread.sleep(50);
        }
        assertThat(run).as("the run ended").isNotNull();
        assertThat(run.path("status").asText()).as(run.toString()).isEqualTo("succeeded");
        var notes = again.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false,
            100, null)).things().stream().map(t -> (String) t.fields().get("text")).sorted().toList();
        assertThat(notes).containsExactly("after-v1", "before");
        try (var kept = Files.list(data.resolve(KeptVersions.FOLDER))) {
          assertThat(kept.map(p -> p.getFileName().toString())).as("both versions kept").hasSize(2).allMatch(n -> n.startsWith("ship@"));
        }
      }
    }
  }
}
