package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.scheduler.SchedulerClient;

/**
 * The runner with --aws-endpoint: DynamoDB, EventBridge Scheduler and SES in the emulator, and the
 * runner firing the one-time schedules the emulator stores but never fires.
 */
class EmulatorModeTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private static String endpoint() {
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    if ((endpoint == null || endpoint.isBlank()) && "true".equals(System.getenv("REQUIRE_EMULATOR"))) {
      throw new IllegalStateException("REQUIRE_EMULATOR is set but AWS_ENDPOINT_URL is not");
    }
    Assumptions.assumeTrue(endpoint != null && !endpoint.isBlank(),
        "No AWS endpoint: set AWS_ENDPOINT_URL to a LocalStack-compatible emulator to test --aws-endpoint mode; .ci/run does this");
    return endpoint;
  }

  private JsonNode send(LocalRunner runner, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer " + runner.apiKey())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return Json.tree(http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording()).body());
  }

  @Test
  void schedulesLiveInTheEmulatorAndTheRunnerFiresAndDeletesThemWhenDue() throws Exception {
    String endpoint = endpoint();
    MutableClock clock = new MutableClock(Instant.now());
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString(), "--aws-endpoint", endpoint), clock)) {
      String email = "emu-" + System.nanoTime() + "@example.com";
      JsonNode signup = send(runner, "POST", "/wf/onboard-user", "{\"email\":\"" + email + "\",\"name\":\"Emu\"}");
      assertThat(signup.path("status").asText()).as(signup.toString()).isEqualTo("succeeded");
      JsonNode run = send(runner, "GET", "/runs/" + signup.path("run_id").asText(), null);
      String scheduled = run.path("steps").get(5).path("output").path("id").asText();

      Map<String, String> env = Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_REGION", "us-east-1");
      SchedulerClient scheduler = AwsRuntime.client(SchedulerClient.builder(), env);
      assertThat(scheduler.getSchedule(b -> b.name("run-" + scheduled).groupName(AwsRuntime.DEFAULT_SCHEDULE_GROUP))
          .scheduleExpression()).startsWith("at(");

      clock.advance(Duration.ofDays(1).plusMinutes(1));
      runner.schedulerLoop().pollNow();
      runner.schedulerLoop().tick();
      runner.schedulerLoop().drain();

      assertThat(send(runner, "GET", "/schedules/" + scheduled, null).path("status").asText()).isEqualTo("succeeded");
      assertThat(scheduler.listSchedules(b -> b.groupName(AwsRuntime.DEFAULT_SCHEDULE_GROUP)).schedules())
          .noneMatch(s -> s.name().equals("run-" + scheduled));
      assertThat(send(runner, "GET", "/schedules?workflow=onboarding-step", null).path("schedules").toString()).contains("\"step\":2");
    }
  }

  @Test
  void dataDirAndAnEndpointExcludeEachOther() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LocalRunner.Options.parse("--aws-endpoint", "http://x", "--data-dir", "d"))
        .hasMessageContaining("exclude each other");
  }
}
