package dev.backendworkflows.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code POST /wf/{name}} with an idempotency key: once per caller, workflow and key for 24 hours. */
class IdempotencyKeyTest {
  private static final String NOTE = """
      name: note
      trigger: { api: {} }
      parameters:
        text: { type: text, required: true }
      steps:
        - { id: n, action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
        - { action: return, data: { id: "{% $steps.n._id %}", text: "{% $params.text %}" } }
      """;
  private static final String WEBHOOK = """
      name: webhook
      trigger: { api: { auth: none } }
      idempotency_key: "{% $params.event_id %}"
      parameters:
        event_id: { type: text }
        text: { type: text, required: true }
      steps:
        - { action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
      """;
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("note.yaml", NOTE, "webhook.yaml", WEBHOOK,
      "other.yaml", NOTE.replace("name: note", "name: other")));

  private ApiResponse post(String path, String key, String idempotencyKey, String body) {
    ApiRequest r = Fixtures.post(path, key, body);
    Map<String, String> headers = new LinkedHashMap<>(r.headers());
    if (idempotencyKey != null) {
      headers.put("idempotency-key", idempotencyKey);
    }
    return stack.api.handle(new ApiRequest(r.method(), r.path(), headers, Map.of(), r.body(), "req"));
  }

  private int notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().size();
  }

  private static JsonNode json(ApiResponse r) {
    return Json.tree(r.body());
  }

  @Test
  void aRepeatWithTheSameBodyAnswersTheStoredResponseAndRunsNothing() {
    ApiResponse first = post("/wf/note", stack.userKey, "k-1", "{\"text\":\"hello\"}");
    ApiResponse again = post("/wf/note", stack.userKey, "k-1", "{ \"text\" : \"hello\" }");
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.headers()).doesNotContainKey("idempotent-replayed");
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.headers()).containsEntry("idempotent-replayed", "true").containsEntry("x-run-id", first.headers().get("x-run-id"));
    assertThat(json(again)).isEqualTo(json(first));
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void theSameKeyWithAnotherBodyIsRefused() {
    post("/wf/note", stack.userKey, "k-2", "{\"text\":\"a\"}");
    ApiResponse other = post("/wf/note", stack.userKey, "k-2", "{\"text\":\"b\"}");
    assertThat(other.status()).isEqualTo(422);
    assertThat(json(other).path("error").path("code").asText()).isEqualTo("idempotency_key_reused");
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void aRepeatWhileTheFirstIsRunningIsRefusedUntilItEnds() throws Exception {
    stack.faults.holdBefore(call -> call.equals("ThingStore.write"));
    CompletableFuture<ApiResponse> first = CompletableFuture.supplyAsync(() -> post("/wf/note", stack.userKey, "k-3", "{\"text\":\"x\"}"));
    stack.faults.awaitHeld();
    ApiResponse during = post("/wf/note", stack.userKey, "k-3", "{\"text\":\"x\"}");
    assertThat(during.status()).isEqualTo(409);
    assertThat(json(during).path("error").path("code").asText()).isEqualTo("idempotency_key_in_progress");
    assertThat(during.headers()).containsEntry("retry-after", "1");
    stack.faults.release();
    assertThat(first.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    assertThat(post("/wf/note", stack.userKey, "k-3", "{\"text\":\"x\"}").headers()).containsEntry("idempotent-replayed", "true");
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void aRepeatAfterTheFirstAttemptDiedContinuesThatRunOnceItsLeasePassed() {
    stack.faults.crashBefore(call -> call.equals("RunLog.write") && notes() == 1);
    assertThatThrownBy(() -> post("/wf/note", stack.userKey, "k-4", "{\"text\":\"y\"}")).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    assertThat(post("/wf/note", stack.userKey, "k-4", "{\"text\":\"y\"}").status()).isEqualTo(409);
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    ApiResponse continued = post("/wf/note", stack.userKey, "k-4", "{\"text\":\"y\"}");
    assertThat(continued.status()).isEqualTo(200);
    assertThat(json(continued).path("response").path("text").asText()).isEqualTo("y");
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void keysAreScopedToCallerAndWorkflowAndKeptForADay() {
    post("/wf/note", stack.userKey, "k-5", "{\"text\":\"z\"}");
    String otherCaller = stack.keys.issue("other-app", false);
    assertThat(post("/wf/note", otherCaller, "k-5", "{\"text\":\"z\"}").headers()).doesNotContainKey("idempotent-replayed");
    assertThat(post("/wf/other", stack.userKey, "k-5", "{\"text\":\"z\"}").headers()).doesNotContainKey("idempotent-replayed");
    assertThat(notes()).isEqualTo(3);
    stack.clock.advance(Duration.ofHours(23));
    assertThat(post("/wf/note", stack.userKey, "k-5", "{\"text\":\"z\"}").headers()).containsEntry("idempotent-replayed", "true");
    stack.clock.advance(Duration.ofHours(2));
    ApiResponse fresh = post("/wf/note", stack.userKey, "k-5", "{\"text\":\"z\"}");
    assertThat(fresh.headers()).doesNotContainKey("idempotent-replayed");
    assertThat(notes()).isEqualTo(4);
  }

  @Test
  void aWorkflowCanTakeItsKeyFromItsParameters() {
    String event = "{\"event_id\":\"evt_1\",\"text\":\"paid\"}";
    ApiResponse first = post("/wf/webhook", null, null, event);
    ApiResponse redelivered = post("/wf/webhook", null, null, event);
    assertThat(first.status()).isEqualTo(200);
    assertThat(redelivered.headers()).containsEntry("idempotent-replayed", "true");
    assertThat(notes()).isEqualTo(1);
    ApiResponse missing = post("/wf/webhook", null, null, "{\"text\":\"no id\"}");
    assertThat(missing.status()).isEqualTo(400);
    assertThat(json(missing).path("error").path("code").asText()).isEqualTo("idempotency_key_missing");
    assertThat(post("/wf/webhook", null, "explicit", "{\"text\":\"header wins\"}").status()).isEqualTo(200);
    assertThat(notes()).isEqualTo(2);
  }

  @Test
  void aRejectedRequestIsReplayedAsRejected() {
    ApiResponse bad = post("/wf/note", stack.userKey, "k-6", "{\"text\":5}");
    ApiResponse again = post("/wf/note", stack.userKey, "k-6", "{\"text\":5}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(again.status()).isEqualTo(400);
    assertThat(again.headers()).containsEntry("idempotent-replayed", "true");
    assertThat(json(again).path("run_id").asText()).isEqualTo(json(bad).path("run_id").asText());
  }

  @Test
  void aMalformedKeyIsRefused() {
    for (String key : List.of("", "x".repeat(256), "tab\there")) {
      ApiResponse r = post("/wf/note", stack.userKey, key, "{\"text\":\"t\"}");
      assertThat(r.status()).as(key).isEqualTo(400);
      assertThat(json(r).path("error").path("code").asText()).isEqualTo("invalid_idempotency_key");
    }
    assertThat(notes()).isZero();
  }

  @Test
  void concurrentFirstRequestsWithOneKeyRunOnce() throws Exception {
    List<CompletableFuture<ApiResponse>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.add(CompletableFuture.supplyAsync(() -> post("/wf/note", stack.userKey, "k-7", "{\"text\":\"race\"}"),
          java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()));
    }
    List<Integer> statuses = new java.util.ArrayList<>();
    for (var c : calls) {
      statuses.add(c.get(10, TimeUnit.SECONDS).status());
    }
    assertThat(statuses).contains(200).allMatch(s -> s == 200 || s == 409);
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void withoutAKeyEveryCallIsARunOfItsOwn() {
    post("/wf/note", stack.userKey, null, "{\"text\":\"t\"}");
    post("/wf/note", stack.userKey, null, "{\"text\":\"t\"}");
    assertThat(notes()).isEqualTo(2);
  }
}
