package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.internal.Json;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starts the local runner on a free port and calls it over real HTTP, as a user with curl would. */
class LocalRunnerEndToEndTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private LocalRunner runner;

  @TempDir
  Path tmp;

  private LocalRunner start(String... extraArgs) throws Exception {
    String[] args = new String[4 + extraArgs.length];
    args[0] = "--port";
    args[1] = "0";
    args[2] = "--workflows";
    args[3] = Fixtures.shippedWorkflows().toString();
    System.arraycopy(extraArgs, 0, args, 4, extraArgs.length);
    return new LocalRunner(LocalRunner.Options.parse(args), Clock.systemUTC());
  }

  @BeforeEach
  void startRunner() throws Exception {
    runner = start();
  }

  @AfterEach
  void stop() throws Exception {
    runner.close();
  }

  private HttpResponse<String> send(String method, String path, String contentType, String body, String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording());
  }

  private JsonNode json(HttpResponse<String> r) {
    assertThat(r.headers().firstValue("content-type")).contains("application/json");
    assertThat(r.body()).doesNotContain("Exception").doesNotContain("\tat ");
    return Json.tree(r.body());
  }

  @Test
  void curlStyleCallReturnsARunIdAndTheRunShowsEveryStep() throws Exception {
    HttpResponse<String> r = send("POST", "/wf/onboard-user", "application/json",
        "{\"email\":\"grace@example.com\",\"name\":\"Grace Hopper\"}", runner.apiKey());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode body = json(r);
    String runId = body.path("run_id").asText();
    assertThat(body.path("response").path("created").asBoolean()).isTrue();

    JsonNode run = json(send("GET", "/runs/" + runId, null, null, runner.apiKey()));
    assertThat(run.path("workflow").asText()).isEqualTo("onboard-user");
    assertThat(run.path("stage").asText()).isEqualTo("local");
    assertThat(run.path("steps").size()).isEqualTo(6);
    for (JsonNode step : run.path("steps")) {
      assertThat(step.has("status") && step.has("duration_ms") && step.has("action")).as(step.toString()).isTrue();
    }
  }

  @Test
  void badRequestsGetCleanJsonErrors() throws Exception {
    String key = runner.apiKey();
    assertThat(send("POST", "/wf/onboard-user", "application/json", "{\"email\":", key).statusCode()).isEqualTo(400);
    assertThat(send("POST", "/wf/onboard-user", "text/plain", "hello", key).statusCode()).isEqualTo(415);
    assertThat(send("POST", "/wf/onboard-user", "application/json", "{\"x\":\"" + "a".repeat(300_000) + "\"}", key).statusCode()).isEqualTo(413);
    assertThat(send("POST", "/wf/no-such-flow", "application/json", "{}", key).statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/wf/onboard-user", null, null, key).statusCode()).isEqualTo(405);
    assertThat(send("POST", "/wf/onboard-user", "application/json", "{}", null).statusCode()).isEqualTo(401);
    HttpResponse<String> invalid = send("POST", "/wf/onboard-user", "application/json", "{\"email\":7}", key);
    JsonNode error = json(invalid);
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(error.path("error").path("fields").findValuesAsText("field")).containsExactlyInAnyOrder("email", "name");
    JsonNode rejected = json(send("GET", "/runs/" + error.path("run_id").asText(), null, null, key));
    assertThat(rejected.path("status").asText()).isEqualTo("rejected");
  }

  @Test
  void dataDirKeepsDataAndTheDevKeyAcrossRestarts() throws Exception {
    runner.close();
    Path data = tmp.resolve("data");
    runner = start("--data-dir", data.toString());
    String key = runner.apiKey();
    String body = "{\"email\":\"kept@example.com\",\"name\":\"Kept\"}";
    assertThat(json(send("POST", "/wf/onboard-user", "application/json", body, key)).path("status").asText()).isEqualTo("succeeded");
    runner.close();

    runner = start("--data-dir", data.toString());
    assertThat(runner.apiKey()).isEqualTo(key);
    JsonNode again = json(send("POST", "/wf/onboard-user", "application/json", body, key));
    assertThat(again.path("status").asText()).isEqualTo("terminated");
    assertThat(again.path("reason").asText()).isEqualTo("already onboarded");
  }

  @Test
  void brokenDefinitionStopsStartWithThePreciseError() throws Exception {
    Path dir = tmp.resolve("wf");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("bad.yaml"), "name: bad\ntrigger: { api: {} }\nsteps:\n  - action: teleport\n");
    assertThatThrownBy(() -> new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString()), Clock.systemUTC()))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("bad.yaml: steps[0].action: unknown action 'teleport'");
  }

  @Test
  void secondRunnerOnTheSameDataDirRefusesToStartAndTheDirIsFreeAfterClose() throws Exception {
    Path data = tmp.resolve("data");
    try (LocalRunner first = start("--data-dir", data.toString())) {
      assertThatThrownBy(() -> start("--data-dir", data.toString()))
          .isInstanceOf(DataDirLock.DataDirInUseException.class)
          .hasMessage("data directory " + data + " is in use by a running local runner or key tool; stop it first");
      assertThat(first.port()).isPositive();
    }
    try (LocalRunner again = start("--data-dir", data.toString())) {
      assertThat(again.port()).isPositive();
    }
  }

  @Test
  void bannerPrintsTheUrlTheKeyAndAWorkingCurl() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    runner.printBanner(new PrintStream(out, true, StandardCharsets.UTF_8));
    String banner = out.toString(StandardCharsets.UTF_8);
    assertThat(banner).contains(runner.url()).contains(runner.apiKey()).contains("curl -s -X POST " + runner.url() + "/wf/");
    // the printed example must work: run it
    String workflow = banner.substring(banner.indexOf("/wf/") + 4, banner.indexOf(" \\", banner.indexOf("/wf/")));
    String body = banner.substring(banner.indexOf("-d '") + 4, banner.indexOf("'", banner.indexOf("-d '") + 4));
    assertThat(send("POST", "/wf/" + workflow, "application/json", body, runner.apiKey()).statusCode()).isEqualTo(200);
  }

  @Test
  void badOptionsAreExplained() {
    assertThatThrownBy(() -> LocalRunner.Options.parse("--port", "abc"))
        .hasMessage("--port must be a number from 0 to 65535 (0 picks a free one), got 'abc'");
    assertThatThrownBy(() -> LocalRunner.Options.parse("--port", "70000")).hasMessageContaining("from 0 to 65535");
    assertThatThrownBy(() -> LocalRunner.Options.parse("--port", "-1")).hasMessageContaining("from 0 to 65535");
    assertThatThrownBy(() -> LocalRunner.Options.parse("--colour", "red")).hasMessage("unknown option --colour");
    assertThatThrownBy(() -> LocalRunner.Options.parse("--bogus")).hasMessage("unknown option --bogus");
    assertThatThrownBy(() -> LocalRunner.Options.parse("--port")).hasMessage("--port needs a value");
  }
}
