package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The shipped batch examples, end to end in the local runner on a fast clock. */
class BatchExamplesTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00Z"));

  private LocalRunner start() throws Exception {
    return new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", Fixtures.shippedWorkflows().toString()), clock);
  }

  private JsonNode send(LocalRunner runner, String method, String path, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer " + runner.apiKey())
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    return Json.tree(http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording()).body());
  }

  private void runFor(LocalRunner runner, Duration d) throws Exception {
    for (long s = 0; s <= d.toSeconds(); s++) {
      runner.schedulerLoop().tick();
      runner.schedulerLoop().drain();
      clock.advance(Duration.ofSeconds(1));
    }
  }

  private static final dev.backendworkflows.definition.Workflows SHIPPED =
      new dev.backendworkflows.definition.DefinitionLoader().load(Fixtures.shippedWorkflows());

  /** Stores a thing as create_thing does: with its listings under the indexes of its indexed fields. */
  private Thing create(LocalRunner runner, String type, Map<String, Object> fields) {
    Instant now = clock.instant();
    Thing thing = new Thing(type, Ids.newId(now), fields, now, now);
    List<dev.backendworkflows.data.ThingWrite> writes = new java.util.ArrayList<>(List.of(new dev.backendworkflows.data.ThingWrite.Put(thing)));
    writes.addAll(dev.backendworkflows.data.Indexes.listed(SHIPPED.types().get(type), thing));
    assertThat(runner.stack().services().things().write(writes)).isEqualTo(-1);
    return thing;
  }

  private List<Thing> all(LocalRunner runner, String type) {
    return runner.stack().services().things().search(new ThingQuery(type, List.of(), null, false, 1000, null)).things();
  }

  @Test
  void databaseMaintenanceSweepsThousandsOfStaleSessionsAndKeepsTheFreshOnes() throws Exception {
    try (LocalRunner runner = start()) {
      for (int i = 0; i < 2500; i++) {
        create(runner, "session", Map.of("user_id", "u" + i, "last_seen_at", "2025-12-0" + (1 + i % 9) + "T00:00:00Z"));
      }
      for (int i = 0; i < 10; i++) {
        create(runner, "session", Map.of("user_id", "fresh" + i, "last_seen_at", "2026-05-30T00:00:00Z"));
      }
      // the call deletes up to max (1,000 by default) in one step, and hands the rest to a chain
      JsonNode first = send(runner, "POST", "/wf/sweep-sessions", "{\"older_than\":\"2026-01-01\"}");
      assertThat(first.path("response").path("deleted").asInt()).as(first.toString()).isEqualTo(1000);
      assertThat(first.path("response").path("more").asBoolean()).isTrue();
      assertThat(first.path("response").path("rest").asText()).isNotEmpty();
      assertThat(runner.stack().services().things().count("session", List.of()).count()).as("the rest are left to the chain").isEqualTo(1510);
      runFor(runner, Duration.ofSeconds(5));
      assertThat(all(runner, "session")).hasSize(10).allMatch(s -> s.fields().get("user_id").toString().startsWith("fresh"));
      List<JsonNode> rest = send(runner, "GET", "/runs?workflow=sweep-sessions-rest", null).path("runs").valueStream().toList();
      assertThat(rest).as("1,000 then the last 500").hasSize(2).allMatch(r -> r.path("status").asText().equals("succeeded"));
      JsonNode none = send(runner, "POST", "/wf/sweep-sessions", "{\"older_than\":\"2026-01-01\"}");
      assertThat(none.path("response").path("deleted").asInt()).isZero();
    }
  }

  @Test
  void batchEmailingSendsExactlyOneEmailPerSubscriber() throws Exception {
    try (LocalRunner runner = start()) {
      for (int i = 0; i < 120; i++) {
        create(runner, "user", Map.of("email", "user" + i + "@example.com", "name", "User " + i, "subscribed", i % 4 != 0));
      }
      JsonNode r = send(runner, "POST", "/wf/email-subscribers", "{\"subject\":\"News\",\"text\":\"Hello\"}");
      assertThat(r.path("status").asText()).as(r.toString()).isEqualTo("succeeded");
      String batch = r.path("response").path("batch_id").asText();
      JsonNode early = send(runner, "GET", "/batches/" + batch, null);
      assertThat(early.path("total").asInt()).as("the first page of subscribers").isEqualTo(50);
      assertThat(early.path("total_final").asBoolean()).isFalse();
      assertThat(early.path("rate").asDouble()).isEqualTo(10.0);
      runFor(runner, Duration.ofSeconds(12)); // 90 at 10/s
      JsonNode end = send(runner, "GET", "/batches/" + batch, null);
      assertThat(end.path("done").asInt()).isEqualTo(90);
      assertThat(end.path("total").asInt()).isEqualTo(90);
      assertThat(end.path("total_final").asBoolean()).isTrue();
      List<String> to = runner.stack().outbox().sent().stream().map(s -> s.email().to().getFirst()).toList();
      Set<String> distinct = new HashSet<>(to);
      assertThat(to).hasSize(90);
      assertThat(distinct).hasSize(90);
    }
  }

  @Test
  void batchesCanBePausedAndCancelledByApi() throws Exception {
    try (LocalRunner runner = start()) {
      for (int i = 0; i < 150; i++) {
        create(runner, "user", Map.of("email", "user" + i + "@example.com", "name", "User " + i, "subscribed", true));
      }
      String batch = send(runner, "POST", "/wf/email-subscribers", "{\"subject\":\"News\",\"text\":\"Hello\"}")
          .path("response").path("batch_id").asText();
      // paused as soon as it starts (its first chunk may already be under way: that one ends its items)
      assertThat(send(runner, "POST", "/batches/" + batch + "/pause", "").path("status").asText()).isEqualTo("paused");
      runner.schedulerLoop().drain();
      int atPause = send(runner, "GET", "/batches/" + batch, null).path("done").asInt();
      assertThat(atPause).isIn(0, 50);
      runFor(runner, Duration.ofSeconds(10));
      assertThat(send(runner, "GET", "/batches/" + batch, null).path("done").asInt()).as("nothing runs while paused").isEqualTo(atPause);
      assertThat(send(runner, "DELETE", "/batches/" + batch, null).path("status").asText()).isEqualTo("cancelled");
      runFor(runner, Duration.ofSeconds(10));
      JsonNode last = send(runner, "GET", "/batches/" + batch, null);
      assertThat(last.path("done").asInt()).as("nothing runs once cancelled").isEqualTo(atPause);
      assertThat(last.path("total_final").asBoolean()).isFalse();
      assertThat(last.path("remaining").asInt()).isEqualTo(last.path("total").asInt() - atPause);
      assertThat(runner.stack().outbox().sent()).hasSize(atPause);
      assertThat(send(runner, "POST", "/batches/" + batch + "/resume", "").path("error").path("code").asText()).isEqualTo("batch_not_paused");
      assertThat(send(runner, "GET", "/batches/nope", null).path("error").path("code").asText()).isEqualTo("batch_not_found");
    }
  }
}
