package dev.backendworkflows.http;

import static dev.backendworkflows.testutils.Fixtures.get;
import static dev.backendworkflows.testutils.Fixtures.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The routes beside the run log: the workflows, batch jobs, API keys, the OpenAPI document and the dashboard. */
class AdminRoutesTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "echo.yaml", """
          name: echo
          description: Says it back
          trigger: { api: {} }
          parameters:
            text: { type: text, required: true }
            token: { type: text, secret: true, default: s3cr3t-default }
            n: { type: number, default: 2 }
          steps:
            - { id: said, action: log, message: "{% $params.text %}", when: "{% $params.n > 1 %}" }
            - { action: return, data: { said: "{% $params.text %}", fixed: 7 } }
          """,
      "each.yaml", """
          name: each
          trigger: { schedule: {} }
          parameters:
            item: { type: text }
          steps:
            - { action: log, message: "{% $params.item %}" }
          """,
      "fan.yaml", """
          name: fan
          trigger: { api: {} }
          steps:
            - { id: job, action: schedule_on_list, workflow: each, list: ["a", "b", "c"], item_param: item, batch_size: 1, rate: 1 }
            - { action: return, data: { batch: "{% $steps.job.id %}" } }
          """,
      "hook.yaml", """
          name: hook
          trigger:
            api:
              auth: signature
              signature: { scheme: stripe, secret: stripe_webhook }
          secrets: [stripe_webhook]
          extra_parameters: ignore
          steps:
            - { action: return, data: ok }
          """,
      "nudge.yaml", """
          name: nudge
          trigger: { schedule: {} }
          parameters:
            user_id: { type: text }
            token: { type: text, secret: true }
          steps:
            - { action: log, message: "{% $params.user_id %}" }
          """,
      "remind.yaml", """
          name: remind
          trigger: { api: {} }
          parameters:
            user_id: { type: text, required: true }
          steps:
            - action: set_recurring
              workflow: nudge
              type: user
              thing_id: "{% $params.user_id %}"
              frequency: daily
              params: { user_id: "{% $params.user_id %}", token: "tok-s3cr3t-value" }
          """));

  private JsonNode call(ApiRequest request, int status) {
    ApiResponse r = stack.api.handle(request);
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    return Json.tree(r.body());
  }

  private static ApiRequest request(String method, String path, String key, String body) {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("content-type", "application/json");
    if (key != null) {
      headers.put("authorization", "Bearer " + key);
    }
    return new ApiRequest(method, path, headers, Map.of(), body, "req-admin");
  }

  @Test
  void workflows_withAdminKey_listsTriggerParametersAndStepsWithConditions() {
    JsonNode echo = call(get("/workflows", stack.adminKey, Map.of()), 200).path("workflows").get(1);
    assertThat(echo.path("name").asText()).as("sorted by name: each, echo, ...").isEqualTo("echo");
    assertThat(echo.path("name").asText()).isEqualTo("echo");
    assertThat(echo.path("trigger").path("kind").asText()).isEqualTo("api");
    assertThat(echo.path("trigger").path("auth").asText()).isEqualTo("api_key");
    assertThat(echo.path("parameters").get(0).path("required").asBoolean()).isTrue();
    assertThat(echo.path("steps").get(0).path("condition").asText()).isEqualTo("{% $params.n > 1 %}");
    assertThat(echo.path("steps").get(0).path("id").asText()).isEqualTo("said");
    assertThat(echo.path("steps").get(1).path("condition").isNull()).isTrue();
    assertThat(echo.path("version").asText()).hasSize(12);
  }

  @Test
  void workflows_secretDefault_isNeverShown() {
    String body = stack.api.handle(get("/workflows", stack.adminKey, Map.of())).body();
    assertThat(body).doesNotContain("s3cr3t-default");
    assertThat(stack.api.handle(get("/openapi.json", stack.adminKey, Map.of())).body()).doesNotContain("s3cr3t-default");
  }

  @Test
  void adminRoutes_withoutAdminKey_areRefused() {
    for (String path : new String[] {"/workflows", "/batches", "/keys", "/recurring"}) {
      assertThat(call(get(path, null, Map.of()), 401).path("error").path("code").asText()).isEqualTo("unauthorized");
      assertThat(call(get(path, stack.userKey, Map.of()), 403).path("error").path("code").asText()).isEqualTo("forbidden");
    }
    assertThat(call(request("DELETE", "/keys/admin", stack.userKey, null), 403).path("error").path("code").asText()).isEqualTo("forbidden");
    assertThat(call(request("POST", "/workflows", stack.adminKey, "{}"), 405).path("error").path("code").asText())
        .isEqualTo("method_not_allowed");
    assertThat(call(request("DELETE", "/keys", stack.adminKey, null), 405).path("error").path("code").asText())
        .isEqualTo("method_not_allowed");
  }

  @Test
  void keys_createListRevoke_keyWorksUntilRevokedAndIsShownOnce() {
    JsonNode created = call(request("POST", "/keys", stack.adminKey, "{\"name\":\"partner\",\"workflows\":[\"echo\"]}"), 201);
    String key = created.path("key").asText();
    assertThat(key).startsWith("bwk_");
    assertThat(created.path("scope").asText()).isEqualTo("echo");
    assertThat(call(post("/wf/echo", key, "{\"text\":\"hi\"}"), 200).path("response").path("said").asText()).isEqualTo("hi");
    assertThat(call(post("/wf/fan", key, "{}"), 403).path("error").path("code").asText()).isEqualTo("forbidden");
    String listed = stack.api.handle(get("/keys", stack.adminKey, Map.of())).body();
    assertThat(listed).contains("\"partner\"").doesNotContain(key).doesNotContain(dev.backendworkflows.auth.ApiKeys.hash(key));
    assertThat(call(request("POST", "/keys", stack.adminKey, "{\"name\":\"partner\"}"), 409).path("error").path("code").asText())
        .isEqualTo("key_exists");
    assertThat(call(request("DELETE", "/keys/partner", stack.adminKey, null), 200).path("revoked").asInt()).isEqualTo(1);
    assertThat(call(request("DELETE", "/keys/partner", stack.adminKey, null), 404).path("error").path("code").asText())
        .isEqualTo("key_not_found");
    assertThat(stack.keys.list()).extracting(dev.backendworkflows.auth.ApiKey::name).doesNotContain("partner");
  }

  @Test
  void keys_badBody_namesEveryField() {
    JsonNode error = call(request("POST", "/keys", stack.adminKey,
        "{\"name\":\"no spaces\",\"admin\":\"yes\",\"workflows\":[\"nope\"],\"extra\":1}"), 400).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_body");
    assertThat(error.path("fields").findValuesAsText("field")).containsExactlyInAnyOrder("extra", "name", "admin", "workflows");
    assertThat(call(request("POST", "/keys", stack.adminKey, "[1]"), 400).path("error").path("code").asText()).isEqualTo("malformed_json");
  }

  @Test
  void keys_aScopeThatCouldWidenOrCallNothing_isRefused() {
    for (String body : new String[] {"{\"name\":\"k\",\"workflows\":[]}", "{\"name\":\"k\",\"admin\":true,\"workflows\":[\"echo\"]}",
        "{\"name\":\"k\",\"workflows\":[\"each\"]}", "{\"name\":\"k\",\"workflows\":[1]}"}) {
      JsonNode error = call(request("POST", "/keys", stack.adminKey, body), 400).path("error");
      assertThat(error.path("code").asText()).as(body).isEqualTo("invalid_body");
      assertThat(error.path("fields").findValuesAsText("field")).as(body).containsExactly("workflows");
    }
    assertThat(stack.keys.list()).extracting(dev.backendworkflows.auth.ApiKey::name).doesNotContain("k");
    JsonNode twice = call(request("POST", "/keys", stack.adminKey, "{\"name\":\"k\",\"workflows\":[\"echo\",\"echo\"]}"), 201);
    assertThat(twice.path("workflows").size()).isEqualTo(1);
  }

  @Test
  void aNumberPastADoublesRange_isOutOfRange_notTheWrongType() {
    JsonNode error = call(post("/wf/echo", stack.adminKey, "{\"text\":\"a\",\"n\":1e400}"), 400).path("error");
    assertThat(error.path("code").asText()).isEqualTo("invalid_parameters");
    assertThat(error.path("fields").get(0).path("field").asText()).isEqualTo("n");
    assertThat(error.path("fields").get(0).path("code").asText()).isEqualTo("out_of_range");
  }

  @Test
  void pathIds_areDecodedAlikeOnEveryRoute_andABrokenEscapeIsNoFault() {
    assertThat(call(get("/runs/%41BC", stack.adminKey, Map.of()), 404).path("error").path("message").asText()).contains("'ABC'");
    assertThat(call(get("/schedules/%41BC", stack.adminKey, Map.of()), 404).path("error").path("message").asText()).contains("'ABC'");
    assertThat(call(get("/chains/%41BC", stack.adminKey, Map.of()), 404).path("error").path("message").asText()).contains("'ABC'");
    assertThat(call(get("/batches/%41BC", stack.adminKey, Map.of()), 404).path("error").path("code").asText()).isEqualTo("batch_not_found");
    assertThat(call(get("/runs/%zz", stack.adminKey, Map.of()), 404).path("error").path("code").asText()).isEqualTo("run_not_found");
    assertThat(call(post("/wf/%zz", stack.adminKey, "{}"), 404).path("error").path("code").asText()).isEqualTo("unknown_workflow");
  }

  @Test
  void batches_list_showsProgressOfEachJobAndFiltersByStatus() {
    String batch = call(post("/wf/fan", stack.adminKey, "{}"), 200).path("response").path("batch").asText();
    JsonNode listed = call(get("/batches", stack.adminKey, Map.of()), 200).path("batches");
    assertThat(listed.findValuesAsText("id")).containsExactly(batch);
    assertThat(listed.get(0).path("total").asInt()).isEqualTo(3);
    assertThat(listed.get(0).path("status").asText()).isEqualTo("running");
    assertThat(call(get("/batches", stack.adminKey, Map.of("status", "paused")), 200).path("batches").size()).isZero();
    call(request("POST", "/batches/" + batch + "/pause", stack.adminKey, null), 200);
    assertThat(call(get("/batches", stack.adminKey, Map.of("status", "paused")), 200).path("batches").findValuesAsText("id"))
        .containsExactly(batch);
    assertThat(call(get("/batches", stack.adminKey, Map.of("status", "sleeping")), 400).path("error").path("code").asText())
        .isEqualTo("invalid_query");
    assertThat(call(get("/batches", stack.adminKey, Map.of("limit", "0")), 400).path("error").path("code").asText())
        .isEqualTo("invalid_query");
  }

  @Test
  void openApi_withAdminKey_listsEveryApiWorkflowAndTheAdminRoutes() {
    JsonNode doc = call(get("/openapi.json", stack.adminKey, Map.of()), 200);
    assertThat(doc.path("openapi").asText()).isEqualTo("3.1.0");
    assertThat(doc.path("paths").has("/wf/echo")).isTrue();
    assertThat(doc.path("paths").has("/wf/fan")).isTrue();
    assertThat(doc.path("paths").has("/wf/each")).as("a scheduled workflow is not callable").isFalse();
    assertThat(doc.path("paths").has("/runs")).isTrue();
    assertThat(call(request("POST", "/openapi.json", null, "{}"), 405).path("error").path("code").asText()).isEqualTo("method_not_allowed");
  }

  @Test
  void openApi_withoutKey_tellsNothing_andAScopedKeySeesOnlyItsWorkflows() {
    assertThat(call(get("/openapi.json", null, Map.of()), 401).path("error").path("code").asText()).isEqualTo("unauthorized");
    String partner = stack.keys.issue("partner", false, java.util.List.of("echo"));
    JsonNode doc = call(get("/openapi.json", partner, Map.of()), 200);
    assertThat(doc.path("paths").has("/wf/echo")).isTrue();
    assertThat(doc.path("paths").has("/wf/fan")).isFalse();
    assertThat(doc.path("paths").has("/runs")).as("admin routes need an admin key").isFalse();
    assertThat(doc.at("/components/securitySchemes").has("signature_hook")).isFalse();
  }

  @Test
  void openApi_stripeSignedWorkflow_namesStripesHeaderAndNotTheSecret() {
    JsonNode scheme = call(get("/openapi.json", stack.adminKey, Map.of()), 200).at("/components/securitySchemes/signature_hook");
    assertThat(scheme.path("in").asText()).isEqualTo("header");
    assertThat(scheme.path("name").asText()).isEqualTo("Stripe-Signature");
    assertThat(scheme.toString()).doesNotContain("stripe_webhook");
  }

  @Test
  void recurring_listGetCancel_redactsSecretsAndRemovesTheEvent() {
    call(post("/wf/remind", stack.adminKey, "{\"user_id\":\"u1\"}"), 200);
    String listed = stack.api.handle(get("/recurring", stack.adminKey, Map.of())).body();
    assertThat(listed).doesNotContain("tok-s3cr3t-value");
    JsonNode events = Json.tree(listed).path("recurring");
    assertThat(events.size()).isEqualTo(1);
    assertThat(events.get(0).path("workflow").asText()).isEqualTo("nudge");
    assertThat(events.get(0).path("thing_id").asText()).isEqualTo("u1");
    String id = events.get(0).path("id").asText();
    assertThat(call(get("/recurring", stack.adminKey, Map.of("workflow", "other")), 200).path("recurring").size()).isZero();
    assertThat(call(get("/recurring/" + id, stack.adminKey, Map.of()), 200).path("id").asText()).isEqualTo(id);
    assertThat(call(request("DELETE", "/recurring/" + id, stack.adminKey, null), 200).path("cancelled").asBoolean()).isTrue();
    assertThat(stack.schedules.listRecurring()).isEmpty();
    assertThat(call(request("DELETE", "/recurring/" + id, stack.adminKey, null), 404).path("error").path("code").asText())
        .isEqualTo("recurring_not_found");
    assertThat(call(get("/recurring", stack.userKey, Map.of()), 403).path("error").path("code").asText()).isEqualTo("forbidden");
    assertThat(call(request("POST", "/recurring", stack.adminKey, "{}"), 405).path("error").path("code").asText())
        .isEqualTo("method_not_allowed");
  }

  @Test
  void dashboard_servesItsFilesWithoutKeyAndNothingElse() {
    ApiResponse redirect = stack.api.handle(get("/dashboard", null, Map.of()));
    assertThat(redirect.status()).isEqualTo(308);
    assertThat(redirect.headers()).containsEntry("location", "dashboard/index.html");
    assertThat(stack.api.handle(get("/dashboard/", null, Map.of())).body())
        .isEqualTo(stack.api.handle(get("/dashboard/index.html", null, Map.of())).body());
    ApiResponse index = stack.api.handle(get("/dashboard/index.html", null, Map.of()));
    assertThat(index.status()).isEqualTo(200);
    assertThat(index.headers().get("content-type")).startsWith("text/html");
    assertThat(index.headers().get("content-security-policy")).contains("default-src 'self'");
    assertThat(index.body()).containsIgnoringCase("<!doctype html>");
    for (String path : new String[] {"/dashboard/../openapi.json", "/dashboard/nope.html", "/dashboard/%2e%2e/x.js", "/dashboard/a/b.js"}) {
      assertThat(call(get(path, null, Map.of()), 404).path("error").path("code").asText()).as(path).isEqualTo("not_found");
    }
  }

  @Test
  void workflowFunction_servesNoneOfThem() {
    HttpApi one = new HttpApi(stack.engine, stack.runs, stack.keys, new HttpApi.Routes.Workflow("echo"));
    for (String path : new String[] {"/workflows", "/keys", "/batches", "/openapi.json", "/dashboard/"}) {
      assertThat(one.handle(get(path, stack.adminKey, Map.of())).status()).as(path).isEqualTo(404);
    }
  }
}
