package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.RecordingServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * data_change workflows in the local runner: the shipped order-paid example against a local stand-in
 * of the fulfilment API; a change committed by a runner that stopped before delivering it, which the
 * next start delivers; and a runner killed with {@code kill -9} while a triggered run is in the
 * middle of its api_call, whose restart continues that same run (whichever of the start-up sweep and
 * the change, still in the feed, reaches it first) with the same Idempotency-Key.
 */
class LocalDataChangeTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  @TempDir
  Path tmp;

  /** The shipped workflows, order-paid calling {@code url} instead of the placeholder fulfilment service. */
  private Path shippedWith(String url) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("workflows"));
    try (Stream<Path> files = Files.list(Fixtures.shippedWorkflows())) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        Files.writeString(dir.resolve(f.getFileName()), Files.readString(f).replace("https://fulfilment.example.com/orders", url));
      }
    }
    return dir;
  }

  private static void await(String what, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited for " + what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  @Test
  void orderPaidCallsTheApiAndEmailsTheCustomerOnlyWhenAnOrderBecomesPaid() throws Exception {
    try (RecordingServer fulfilment = new RecordingServer();
        LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
            shippedWith(fulfilment.url("/orders")).toString(), "--allow-private-outbound"), Clock.systemUTC())) {
      ThingStore things = runner.stack().services().things();
      Instant now = Instant.now();
      things.create(new Thing("order", "o1", Map.of("status", "pending", "amount_cents", 4250, "currency", "EUR",
          "customer_email", "ada@example.com"), now, now));
      things.update("order", "o1", Map.of("amount_cents", 4300), now); // another field: nothing
      things.update("order", "o1", Map.of("status", "paid"), now);
      await("the order-paid run", () -> runner.stack().outbox().sent().size() == 1);
      things.update("order", "o1", Map.of("status", "shipped"), now); // from paid: not "became paid"
      things.create(new Thing("order", "o2", Map.of("status", "paid", "amount_cents", 100, "currency", "EUR",
          "customer_email", "bob@example.com"), now, now)); // created paid: not a change
      await("the feed to drain", () -> runner.stack().changes() != null && ((dev.backendworkflows.data.local.MapThingStore)
          runner.stack().services().things()).changes(1).isEmpty());

      assertThat(fulfilment.seen()).singleElement().satisfies(call -> {
        assertThat(call.method()).isEqualTo("POST");
        assertThat(Json.tree(call.body()).path("order_id").asText()).isEqualTo("o1");
        assertThat(Json.tree(call.body()).path("amount_cents").asInt()).isEqualTo(4300);
      });
      assertThat(runner.stack().outbox().sent()).singleElement().satisfies(mail -> {
        assertThat(mail.email().to()).containsExactly("ada@example.com");
        assertThat(mail.email().text()).contains("43.00 EUR", "o1");
      });
      JsonNode runs = Json.tree(get(runner, "/runs?workflow=order-paid").body()).path("runs");
      assertThat(runs).hasSize(1);
      assertThat(runs.get(0).path("trigger").asText()).isEqualTo("data_change");
      assertThat(runs.get(0).path("status").asText()).isEqualTo("succeeded");
    }
  }

  private HttpResponse<String> get(LocalRunner runner, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(runner.url() + path)).header("Authorization", "Bearer " + runner.apiKey())
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aChangeCommittedButNeverDeliveredRunsItsWorkflowOnceAfterARestart() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("wf-once"));
    Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  order:\n    fields:\n      status: { type: text }\n"
        + "  note:\n    fields:\n      text: { type: text }\n");
    Files.writeString(dir.resolve("noted.yaml"), """
        name: noted
        trigger: { data_change: { type: order, on: [created] } }
        steps:
          - { action: create_thing, type: note, fields: { text: "{% $new._id %}" } }
        """);
    Path data = tmp.resolve("data-once");
    // the stack as the runner opens it, but the process ends before its dispatcher delivers anything:
    // the change is committed with the order, and nothing ran for it
    try (RunnerStack stopped = RunnerStack.embedded(new dev.backendworkflows.definition.DefinitionLoader().load(dir), data, 100,
        Clock.systemUTC(), "test", dev.backendworkflows.outbound.OutboundPolicy.allowingPrivate())) {
      Instant now = Instant.now();
      stopped.services().things().create(new Thing("order", "o1", Map.of("status", "new"), now, now));
      assertThat(stopped.services().runs().query(new dev.backendworkflows.runlog.RunQuery("noted", null, 10, null)).runs()).isEmpty();
    }

    try (LocalRunner again = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString(),
        "--data-dir", data.toString()), Clock.systemUTC())) {
      await("the change's run", () -> again.stack().services().runs().query(new dev.backendworkflows.runlog.RunQuery("noted", null,
          10, null)).runs().size() == 1 && ((dev.backendworkflows.data.local.MapThingStore) again.stack().services().things())
          .changes(1).isEmpty());
      var notes = again.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false,
          100, null)).things().stream().map(t -> (String) t.fields().get("text")).toList();
      assertThat(notes).containsExactly("o1");
    }
  }

  @Test
  void killedMidTriggeredRunTheRestartDeliversTheChangeAgainAndContinuesTheSameRun() throws Exception {
    HangingServer server = new HangingServer("/notify", 1);
    Path dir = Files.createDirectories(tmp.resolve("wf"));
    Files.writeString(dir.resolve("data-schema.yaml"), "types:\n  order:\n    fields:\n      status: { type: text }\n"
        + "  note:\n    fields:\n      text: { type: text }\n");
    Files.writeString(dir.resolve("pay.yaml"), """
        name: pay
        trigger: { api: {} }
        steps:
          - { action: create_thing, type: order, fields: { status: paid } }
        """);
    Files.writeString(dir.resolve("notify.yaml"), """
        name: notify
        trigger: { data_change: { type: order, on: [created] } }
        steps:
          - { action: create_thing, type: note, fields: { text: before } }
          - { action: api_call, method: POST, url: "%s", body: { order: "{%% $new._id %%}" } }
          - { action: create_thing, type: note, fields: { text: after } }
        """.formatted(server.url("/notify")));
    Path data = tmp.resolve("data");
    RunnerProcess started = RunnerProcess.start(dir, data, tmp.resolve("runner.log"));
    Process killed = started.process();
    int port = started.port();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      HttpResponse<String> paid = null;
      while (paid == null) {
        assertThat(killed.isAlive()).as(Files.readString(tmp.resolve("runner.log"))).isTrue();
        assertThat(System.nanoTime()).as("the runner started").isLessThan(deadline);
        try {
          paid = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/wf/pay"))
              .header("Authorization", "Bearer bwk_test").header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
              HttpResponse.BodyHandlers.ofString());
        } catch (IOException notYet) {
          Thread.sleep(100);
        }
      }
      assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
      assertThat(server.awaitReached(30)).as("the triggered run reached its api_call").isTrue();
      killed.destroyForcibly(); // SIGKILL: the change is not acknowledged, the run not ended
      assertThat(killed.waitFor(30, TimeUnit.SECONDS)).isTrue();
    } finally {
      killed.destroyForcibly();
    }
    server.release();

    try (LocalRunner again = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", dir.toString(),
        "--data-dir", data.toString(), "--api-key", "bwk_test", "--allow-private-outbound"), Clock.systemUTC())) {
      await("the redelivered change's run to end", () -> {
        try {
          JsonNode runs = Json.tree(get(again, "/runs?workflow=notify").body()).path("runs");
          return runs.size() == 1 && runs.get(0).path("status").asText().equals("succeeded");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      JsonNode run = Json.tree(get(again, "/runs?workflow=notify").body()).path("runs").get(0);
      assertThat(run.path("attempt").asInt()).as("the same run, continued by a second attempt").isEqualTo(2);
      var notes = again.stack().services().things().search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false,
          100, null)).things().stream().map(t -> (String) t.fields().get("text")).sorted().toList();
      assertThat(notes).containsExactly("after", "before");
    } finally {
      server.close();
    }
    assertThat(server.keys()).as("the killed try and the continued one sent the same Idempotency-Key").hasSize(2);
    assertThat(server.keys().get(0)).isEqualTo(server.keys().get(1));
  }
}
