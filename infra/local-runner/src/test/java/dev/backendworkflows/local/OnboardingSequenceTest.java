package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shipped onboarding example, a sequence of emails over a week, run in the local runner on a fast clock. */
class OnboardingSequenceTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private JsonNode send(LocalRunner runner, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer " + runner.apiKey())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return Json.tree(http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording()).body());
  }

  private List<String> subjects(LocalRunner runner) throws Exception {
    return send(runner, "GET", "/outbox", null).path("emails").findValuesAsText("subject");
  }

  private void advance(LocalRunner runner, MutableClock clock, Duration d) throws Exception {
    clock.advance(d);
    runner.schedulerLoop().tick();
    runner.schedulerLoop().drain();
  }

  @Test
  void welcomeThenThreeEmailsOverAWeekThenNothing() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-04T10:00:00Z"));
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString()), clock)) {
      JsonNode signup = send(runner, "POST", "/wf/onboard-user", "{\"email\":\"ada@example.com\",\"name\":\"Ada\"}");
      assertThat(signup.path("status").asText()).as(signup.toString()).isEqualTo("succeeded");
      assertThat(subjects(runner)).containsExactly("Welcome, Ada!");

      advance(runner, clock, Duration.ofHours(23));
      assertThat(subjects(runner)).hasSize(1);
      advance(runner, clock, Duration.ofHours(1));
      assertThat(subjects(runner)).containsExactly("Welcome, Ada!", "Set up your first project");
      advance(runner, clock, Duration.ofDays(2));
      advance(runner, clock, Duration.ofDays(2));
      assertThat(subjects(runner)).containsExactly("Welcome, Ada!", "Set up your first project", "Invite your team",
          "Automate your first workflow");
      advance(runner, clock, Duration.ofDays(14));
      assertThat(subjects(runner)).hasSize(4);
      assertThat(send(runner, "GET", "/schedules?workflow=onboarding-step", null).path("schedules").size()).isZero();
      assertThat(send(runner, "GET", "/outbox", null).path("emails").valueStream()
          .map(e -> e.path("email").path("to").toString()).toList()).allMatch(to -> to.equals("[\"ada@example.com\"]"));
    }
  }

  @Test
  void aUserDeletedMidSequenceEndsItQuietly() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-04T10:00:00Z"));
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString()), clock)) {
      JsonNode signup = send(runner, "POST", "/wf/onboard-user", "{\"email\":\"bo@example.com\",\"name\":\"Bo\"}");
      assertThat(runner.stack().services().things().delete("user", signup.path("response").path("user_id").asText()))
          .as(signup.toString()).isTrue();

      advance(runner, clock, Duration.ofDays(1));

      assertThat(subjects(runner)).as("only the welcome went out").containsExactly("Welcome, Bo!");
      JsonNode step = send(runner, "GET", "/runs?workflow=onboarding-step", null).path("runs").path(0);
      assertThat(step.path("status").asText()).as(step.toString()).isEqualTo("terminated");
      assertThat(step.path("reason").asText()).isEqualTo("user gone or unsubscribed");
      assertThat(send(runner, "GET", "/schedules?workflow=onboarding-step", null).path("schedules").size()).isZero();
    }
  }

  @Test
  void outboxNeedsTheDevKey() throws Exception {
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString()), java.time.Clock.systemUTC())) {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(runner.url() + "/outbox")).build(), dev.backendworkflows.testutils.ErrorBodies.recording());
      assertThat(r.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void twentySimultaneousSignupsWithOneEmailMakeOneUserAndSendOneWelcome() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-04T10:00:00Z"));
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString()), clock)) {
      java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
      List<java.util.concurrent.Future<JsonNode>> calls = new java.util.ArrayList<>();
      try (var pool = java.util.concurrent.Executors.newFixedThreadPool(20)) {
        for (int i = 0; i < 20; i++) {
          calls.add(pool.submit(() -> {
            go.await();
            return send(runner, "POST", "/wf/onboard-user", "{\"email\":\"ada@example.com\",\"name\":\"Ada\"}");
          }));
        }
        go.countDown();
        List<JsonNode> answers = new java.util.ArrayList<>();
        for (var c : calls) {
          answers.add(c.get());
        }
        assertThat(answers).allSatisfy(a -> assertThat(a.path("status").asText()).as(a.toString()).isIn("succeeded", "terminated"));
        assertThat(answers.stream().map(a -> a.path("response").path("user_id").asText()).distinct()).hasSize(1);
        assertThat(answers.stream().filter(a -> a.path("response").path("created").asBoolean())).hasSize(1);
      }
      assertThat(runner.stack().services().things().count("user", List.of()).count()).isEqualTo(1);
      assertThat(subjects(runner)).containsExactly("Welcome, Ada!");
    }
  }
}
