package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local runner keeping one finished run in memory ({@code --keep-runs 1}): the others move to
 * files in its data directory and are still read, listed, replayed and kept across a restart.
 */
class LocalRunArchiveTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path dataDir;

  private LocalRunner start() throws Exception {
    return new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", Fixtures.shippedWorkflows().toString(),
        "--data-dir", dataDir.toString(), "--keep-runs", "1"), Clock.systemUTC());
  }

  private HttpResponse<String> send(LocalRunner runner, String method, String path, String body, String idempotencyKey)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path))
        .header("Authorization", "Bearer " + runner.apiKey())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (idempotencyKey != null) {
      b.header("Idempotency-Key", idempotencyKey);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String signup(int i) {
    return "{\"email\":\"user" + i + "@example.com\",\"name\":\"User " + i + "\"}";
  }

  @Test
  void archivedRunsAreReadListedReplayedAndKeptAcrossARestart() throws Exception {
    List<String> runIds = new ArrayList<>();
    try (LocalRunner runner = start()) {
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = send(runner, "POST", "/wf/onboard-user", signup(i), "signup-" + i);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        runIds.add(Json.tree(r.body()).path("run_id").asText());
      }
      try (var files = Files.walk(dataDir.resolve("runs-archive"))) {
        assertThat(files.filter(Files::isRegularFile).count()).as("finished runs beyond the one kept in memory").isEqualTo(3);
      }

      JsonNode first = Json.tree(send(runner, "GET", "/runs/" + runIds.get(0), null, null).body());
      assertThat(first.path("status").asText()).isEqualTo("succeeded");

      HttpResponse<String> again = send(runner, "POST", "/wf/onboard-user", signup(0), "signup-0");
      assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
      assertThat(again.headers().firstValue(HttpApi.REPLAYED)).as("answered from the archived run, not run again").contains("true");
      assertThat(Json.tree(again.body()).path("run_id").asText()).isEqualTo(runIds.get(0));

      JsonNode listed = Json.tree(send(runner, "GET", "/runs?workflow=onboard-user", null, null).body()).path("runs");
      List<String> listedIds = new ArrayList<>();
      listed.forEach(r -> listedIds.add(r.path("run_id").asText()));
      assertThat(listedIds).containsExactlyElementsOf(runIds.reversed());
    }
    try (LocalRunner restarted = start()) {
      for (String runId : runIds) {
        HttpResponse<String> r = send(restarted, "GET", "/runs/" + runId, null, null);
        assertThat(r.statusCode()).as(runId + ": " + r.body()).isEqualTo(200);
      }
    }
  }
}
