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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scheduled runs through the local runner: its scheduler loop, its restart policy, its admin API. */
class LocalSchedulingTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path tmp;

  private Path workflows() throws Exception {
    Path dir = tmp.resolve("workflows");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  note:\n    fields:\n      text: { type: text }\n");
    Files.writeString(dir.resolve("remind.yaml"), Fixtures.REMIND);
    Files.writeString(dir.resolve("write-note.yaml"), Fixtures.WRITE_NOTE);
    Files.writeString(dir.resolve("every-hour.yaml"), """
        name: every-hour
        trigger: { api: {} }
        steps:
          - { action: set_recurring, workflow: write-note, frequency: cron, cron: "cron(0 * * * ? *)", params: { text: hourly } }
        """);
    Files.writeString(dir.resolve("morning.yaml"), """
        name: morning
        trigger:
          recurring: { schedule: "cron(0 9 * * ? *)", timezone: Europe/Paris }
        steps:
          - { action: create_thing, type: note, fields: { text: "{% $run.started_at %}" } }
        """);
    return dir;
  }

  private LocalRunner start(Clock clock, String... extra) throws Exception {
    String[] args = new String[6 + extra.length];
    System.arraycopy(new String[] {"--port", "0", "--workflows", workflows().toString(), "--api-key", "bwk_test"}, 0, args, 0, 6);
    System.arraycopy(extra, 0, args, 6, extra.length);
    return new LocalRunner(LocalRunner.Options.parse(args), clock);
  }

  private JsonNode call(LocalRunner runner, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer bwk_test")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    HttpResponse<String> r = http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording());
    return Json.tree(r.body());
  }

  private JsonNode waitForStatus(LocalRunner runner, String id, String status) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode s;
    do {
      s = call(runner, "GET", "/schedules/" + id, null);
      if (s.path("status").asText().equals(status)) {
        return s;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("scheduled run " + id + " did not become " + status + ": " + s);
  }

  @Test
  void scheduledRunFiresWithinASecondOfItsTime() throws Exception {
    try (LocalRunner runner = start(Clock.systemUTC())) {
      String id = call(runner, "POST", "/wf/remind", "{\"text\":\"soon\",\"after\":\"PT1S\"}").path("response").path("id").asText();
      assertThat(call(runner, "GET", "/schedules?workflow=write-note", null).path("schedules").findValuesAsText("id")).contains(id);
      JsonNode done = waitForStatus(runner, id, "succeeded");
      JsonNode run = call(runner, "GET", "/runs/" + done.path("run_id").asText(), null);
      Duration late = Duration.between(Instant.parse(done.path("due_at").asText()), Instant.parse(run.path("started_at").asText()));
      assertThat(late).isBetween(Duration.ZERO, Duration.ofSeconds(1));
      assertThat(run.path("trigger").asText()).isEqualTo("schedule");
    }
  }

  @Test
  void pendingRunsSurviveARestartAndOverdueOnesFireOnStart() throws Exception {
    MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z"); // far from the morning workflow's 09:00 Paris firing
    Path data = tmp.resolve("data");
    String id;
    try (LocalRunner runner = start(clock, "--data-dir", data.toString())) {
      id = call(runner, "POST", "/wf/remind", "{\"text\":\"kept\",\"after\":\"PT1H\"}").path("response").path("id").asText();
    }
    clock.advance(Duration.ofHours(2)); // the runner was down when the run fell due
    try (LocalRunner runner = start(clock, "--data-dir", data.toString())) {
      waitForStatus(runner, id, "succeeded");
    }
  }

  @Test
  void recurringDailyAtNineParisFiresAtTheRightInstantsAcrossDst() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-27T12:00:00Z"));
    try (LocalRunner runner = start(clock)) {
      clock.advance(Duration.ofDays(3)); // to 2026-03-30T12:00Z: three mornings, one of them the DST change
      runner.schedulerLoop().tick();
      runner.schedulerLoop().drain();
      assertThat(runner.schedulerLoop().tick()).isZero();
      runner.schedulerLoop().drain();
      JsonNode fired = call(runner, "GET", "/schedules?status=succeeded&workflow=morning", null);
      assertThat(fired.path("schedules").findValuesAsText("due_at")).containsExactly(
          "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z");
    }
  }

  @Test
  void aRecurringFiringDeliveredTwiceRunsOnce() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-03-27T12:00:00Z"));
    try (LocalRunner runner = start(clock)) {
      var deliveries = runner.stack().deliveries();
      Instant firing = Instant.parse("2026-03-28T08:00:00Z");
      assertThat(deliveries.deliverRecurring("morning", firing, runner.stack().invocation()).ran()).isTrue();
      assertThat(deliveries.deliverRecurring("morning", firing, runner.stack().invocation()).ran()).isFalse();
    }
  }

  @Test
  void recurringEventsSetAtRunTimeSurviveARestart() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-05-01T10:30:00Z"));
    Path data = tmp.resolve("data");
    try (LocalRunner runner = start(clock, "--data-dir", data.toString())) {
      assertThat(call(runner, "POST", "/wf/every-hour", "{}").path("status").asText()).isEqualTo("succeeded");
      clock.advance(Duration.ofHours(2)); // 11:00 and 12:00
      runner.schedulerLoop().tick();
      runner.schedulerLoop().drain();
    }
    try (LocalRunner runner = start(clock, "--data-dir", data.toString())) {
      clock.advance(Duration.ofHours(1)); // 13:00, after the restart
      runner.schedulerLoop().tick();
      runner.schedulerLoop().drain();
      assertThat(runner.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", java.util.List.of(),
          null, false, 100, null)).things()).hasSize(3);
    }
  }

  @Test
  void cancelledByApiNeverFires() throws Exception {
    MutableClock clock = MutableClock.at("2026-06-01T12:00:00Z"); // far from the morning workflow's 09:00 Paris firing
    try (LocalRunner runner = start(clock)) {
      String id = call(runner, "POST", "/wf/remind", "{\"text\":\"no\",\"after\":\"PT5M\"}").path("response").path("id").asText();
      assertThat(call(runner, "DELETE", "/schedules/" + id, null).path("status").asText()).isEqualTo("cancelled");
      assertThat(call(runner, "DELETE", "/schedules/" + id, null).path("status").asText()).as("cancelling again is harmless")
          .isEqualTo("cancelled");
      clock.advance(Duration.ofMinutes(10));
      assertThat(runner.schedulerLoop().tick()).isZero();
      assertThat(call(runner, "GET", "/schedules/" + id, null).path("status").asText()).isEqualTo("cancelled");
      assertThat(call(runner, "GET", "/schedules/nope", null).path("error").path("code").asText()).isEqualTo("schedule_not_found");
    }
  }
}
