package dev.backendworkflows.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Wherever a caller's bytes arrive, anything but clean input is a 4xx with its code — the same on
 * every store, since no store sees it. Each store's test extends this.
 */
public abstract class StrictInputContract {
  private static final String NOTE = """
      name: note
      trigger: { api: {} }
      parameters:
        text: { type: text, required: true }
        n: { type: number }
        extra: { type: object }
        limit: { type: number, default: 10 }
        cursor: { type: text }
      steps:
        - { id: saved, action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
        - { id: found, action: search_things, type: note, limit: "{% $params.limit %}", cursor: "{% $params.cursor %}" }
        - { action: return, data: "{% $steps.found.count %}" }
      """;

  /** The stores under test, made for the stack's clock. */
  protected abstract Function<MutableClock, Fixtures.Stores> stores();

  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("note.yaml", NOTE),
      MutableClock.at("2026-03-01T09:00:00Z"), stores());

  private ApiResponse post(String body, String contentType) {
    Map<String, String> headers = new LinkedHashMap<>(Map.of("authorization", "Bearer " + stack.userKey));
    headers.put("content-type", contentType);
    return stack.api.handle(new ApiRequest("POST", "/wf/note", headers, Map.of(), body, "r"));
  }

  private static String code(ApiResponse r) {
    return Json.tree(r.body()).path("error").path("code").asText();
  }

  private static JsonNode fields(ApiResponse r) {
    return Json.tree(r.body()).path("error").path("fields");
  }

  @Test
  void onlyOneJsonObjectWithoutDuplicateKeysIsABody() {
    for (String body : new String[] {"{\"text\":\"a\"} trailing", "{\"text\":\"a\"}{\"text\":\"b\"}", "{\"text\":\"a\",\"text\":\"b\"}",
        "[1]", "\"text\""}) {
      ApiResponse r = post(body, "application/json");
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(code(r)).as(body).isEqualTo("malformed_json");
    }
    assertThat(post("{\"text\":\"a\"}", "application/json; charset=UTF-8").status()).isEqualTo(200);
  }

  @Test
  void bytesThatAreNotUtf8AndOtherCharsetsAreRefused() {
    ApiResponse latin1 = post("{\"text\":\"caf\u00e9\"}", "application/json; charset=ISO-8859-1");
    assertThat(latin1.status()).isEqualTo(415);
    assertThat(code(latin1)).isEqualTo("unsupported_media_type");
    ApiResponse notUtf8 = stack.api.handle(new ApiRequest("POST", "/wf/note", Map.of("authorization", "Bearer " + stack.userKey,
        "content-type", "application/json"), Map.of(), null, "r", Map.of(), true));
    assertThat(notUtf8.status()).isEqualTo(400);
    assertThat(code(notUtf8)).isEqualTo("invalid_utf8");
  }

  @Test
  void loneSurrogatesAndNumbersNoStoreKeepsAreRefusedAtTheirField() {
    ApiResponse surrogate = post("{\"text\":\"a\\ud800b\"}", "application/json");
    assertThat(surrogate.status()).isEqualTo(400);
    assertThat(fields(surrogate).get(0).path("code").asText()).isEqualTo("invalid_text");
    ApiResponse huge = post("{\"text\":\"a\",\"n\":1e200}", "application/json");
    assertThat(huge.status()).isEqualTo(400);
    assertThat(fields(huge).get(0).path("field").asText()).isEqualTo("n");
    assertThat(fields(huge).get(0).path("code").asText()).isEqualTo("out_of_range");
    assertThat(code(post("{\"text\":\"a\",\"n\":1234567890123456789012345678901234567890}", "application/json")))
        .as("39 digits").isEqualTo("invalid_parameters");
    assertThat(post("{\"text\":\"a\",\"n\":123456789012345678901234567890123}", "application/json").status())
        .as("33 digits").isEqualTo(200);
    ApiResponse nested = post("{\"text\":\"a\",\"extra\":{\"deep\":[1e-200]}}", "application/json");
    assertThat(fields(nested).get(0).path("field").asText()).isEqualTo("extra.deep[0]");
    int levels = dev.backendworkflows.definition.Values.MAX_NESTING; // extra's object is one level, its lists the rest
    ApiResponse tooDeep = post("{\"text\":\"a\",\"extra\":{\"d\":" + "[".repeat(levels) + "]".repeat(levels) + "}}", "application/json");
    assertThat(tooDeep.status()).isEqualTo(400);
    assertThat(fields(tooDeep).get(0).path("code").asText()).isEqualTo("too_deep");
    assertThat(post("{\"text\":\"a\",\"extra\":{\"d\":" + "[".repeat(levels - 1) + "]".repeat(levels - 1) + "}}", "application/json")
        .status()).as("as deep as every store keeps").isEqualTo(200);
  }

  @Test
  void loneSurrogatesInNamesAreRefusedAndTheRejectedRunIsStillRecorded() {
    for (String body : new String[] {"{\"text\":\"a\",\"\\ud800\":1}", "{\"text\":\"a\",\"extra\":{\"\\udc00k\":{\"\\ud800\":2}}}"}) {
      ApiResponse r = post(body, "application/json");
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(fields(r).get(0).path("code").asText()).as(body).isEqualTo("invalid_text");
      assertThat(r.body()).doesNotContain("\\ud800").doesNotContain("\\udc00");
      assertThat(stack.runs.get(Json.tree(r.body()).path("run_id").asText())).as("the rejected run of " + body).isPresent();
    }
  }

  private static String cursor(String json) {
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void forgedCursorsOfTheRightShapeAreClientErrorsOnEveryStore() {
    String[] forged = {"{\"run_id\":\"\",\"h\":\"failed\",\"started_at\":\"x\"}", "{\"id\":\"\",\"due_at\":\"x\"}",
        "{\"offset\":-1}", "{\"offset\":1.5}", "{\"offset\":\"\"}", "{\"after\":\"\"}", "{\"after\":\"\\ud800\"}",
        "{\"after\":\"" + "x".repeat(2000) + "\"}"};
    for (String json : forged) {
      for (String path : new String[] {"/runs", "/schedules"}) {
        ApiResponse r = stack.api.handle(Fixtures.get(path, stack.adminKey, Map.of("status", "failed", "cursor", cursor(json))));
        assertThat(r.status()).as(path + " " + json).isEqualTo(400);
        assertThat(fields(r).get(0).path("field").asText()).isEqualTo("cursor");
      }
      ApiResponse search = post("{\"text\":\"a\",\"cursor\":\"" + cursor(json) + "\"}", "application/json");
      assertThat(search.status()).as("search_things " + json).isEqualTo(422);
      assertThat(code(search)).isEqualTo("invalid_cursor");
    }
  }

  @Test
  void aCursorOrLimitThatWasNotIssuedIsAClientError() {
    for (String path : new String[] {"/runs", "/schedules"}) {
      ApiResponse r = stack.api.handle(Fixtures.get(path, stack.adminKey, Map.of("status", "failed", "cursor", "bnVsbA")));
      assertThat(r.status()).as(path).isEqualTo(400);
      assertThat(fields(r).get(0).path("field").asText()).isEqualTo("cursor");
      assertThat(stack.api.handle(Fixtures.get(path, stack.adminKey, Map.of("status", "failed", "limit", "4294967297"))).status())
          .as(path).isEqualTo(400);
    }
    ApiResponse badCursor = post("{\"text\":\"a\",\"cursor\":\"bnVsbA\"}", "application/json");
    assertThat(badCursor.status()).isEqualTo(422);
    assertThat(code(badCursor)).isEqualTo("invalid_cursor");
    ApiResponse badLimit = post("{\"text\":\"a\",\"limit\":4294967297}", "application/json");
    assertThat(badLimit.status()).isEqualTo(422);
    assertThat(code(badLimit)).isEqualTo("invalid_argument");
  }

  @Test
  void fiveThousandUnknownParametersLeaveABoundedRejectedRecord() {
    Map<String, Object> many = new LinkedHashMap<>(Map.of("text", "a"));
    for (int i = 0; i < 5_000; i++) {
      many.put("p" + i, i);
    }
    ApiResponse r = post(Json.write(many), "application/json");
    assertThat(r.status()).isEqualTo(400);
    RunRecord rejected = stack.runs.get(Json.tree(r.body()).path("run_id").asText()).orElseThrow();
    assertThat(ItemBudget.bytes(rejected)).isLessThan(64 * 1024);
  }
}
