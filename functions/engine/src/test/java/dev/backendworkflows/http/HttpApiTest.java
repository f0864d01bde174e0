package dev.backendworkflows.http;

import static dev.backendworkflows.testutils.Fixtures.get;
import static dev.backendworkflows.testutils.Fixtures.post;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpApiTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "echo.yaml", """
          name: echo
          trigger: { api: {} }
          parameters:
            text: { type: text, required: true }
            n: { type: number }
          steps:
            - { action: return, data: { said: "{% $params.text %}" } }
          """,
      "open.yaml", """
          name: open
          trigger: { api: { auth: none } }
          steps:
            - { action: return, data: ok }
          """,
      "fails.yaml", """
          name: fails
          trigger: { api: {} }
          steps:
            - { action: get_thing, type: user, thing_id: "{% $number('x') %}" }
          """,
      "mine.yaml", """
          name: mine
          trigger: { api: { auth: user } }
          steps:
            - { action: return, data: { email: "{% $run.user.email %}" } }
          """,
      "internal.yaml", """
          name: internal
          trigger: { schedule: {} }
          steps:
            - { action: return }
          """));

  private JsonNode call(ApiRequest request, int expectedStatus) {
    return call(stack.api.http(), request, expectedStatus);
  }

  private static JsonNode call(HttpApi api, ApiRequest request, int expectedStatus) {
    ApiResponse response = api.handle(request);
    dev.backendworkflows.testutils.ErrorBodies.record(response.status(), response.body());
    assertThat(response.status()).as(response.body()).isEqualTo(expectedStatus);
    assertThat(response.headers()).containsEntry("content-type", "application/json");
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("at dev.");
    return Json.tree(response.body());
  }

  private static String code(JsonNode body) {
    assertThat(body.path("error").has("message")).isTrue();
    assertThat(body.path("error").path("fields").isArray()).isTrue();
    return body.path("error").path("code").asText();
  }

  @Test
  void callReturnsRunIdAndData() {
    JsonNode body = call(post("/wf/echo", stack.userKey, "{\"text\":\"hi\"}"), 200);
    assertThat(body.path("status").asText()).isEqualTo("succeeded");
    assertThat(body.path("response").path("said").asText()).isEqualTo("hi");
    assertThat(stack.runs.get(body.path("run_id").asText())).isPresent();
  }

  @Test
  void missingOrWrongKeyIs401AndAuthNoneNeedsNoKey() {
    assertThat(code(call(post("/wf/echo", null, "{\"text\":\"hi\"}"), 401))).isEqualTo("unauthorized");
    assertThat(code(call(post("/wf/echo", "bwk_wrong", "{\"text\":\"hi\"}"), 401))).isEqualTo("unauthorized");
    assertThat(call(post("/wf/open", null, ""), 200).path("response").asText()).isEqualTo("ok");
  }

  @Test
  void scopedKeyCallsOnlyItsWorkflowsAndLearnsNothingOfOthers() {
    String key = stack.keys.issue("partner", false, java.util.List.of("echo"));
    assertThat(call(post("/wf/echo", key, "{\"text\":\"hi\"}"), 200).path("response").path("said").asText()).isEqualTo("hi");
    JsonNode refused = call(post("/wf/fails", key, "{}"), 403);
    assertThat(code(refused)).isEqualTo("forbidden");
    assertThat(refused.path("error").path("message").asText()).isEqualTo("API key 'partner' may call only: echo");
    // an unknown or non-API workflow answers exactly as an existing one outside the scope
    assertThat(call(post("/wf/nope", key, "{}"), 403)).isEqualTo(refused);
    assertThat(call(post("/wf/internal", key, "{}"), 403)).isEqualTo(refused);
    assertThat(code(call(get("/runs", key, Map.of()), 403))).isEqualTo("forbidden");
    assertThat(stack.runs.query(new dev.backendworkflows.runlog.RunQuery("fails", null, 10, null)).runs()).isEmpty();
  }

  @Test
  void invalidParametersAre400NamingEachFieldWithARejectedRun() {
    JsonNode body = call(post("/wf/echo", stack.userKey, "{\"n\":\"five\",\"extra\":1}"), 400);
    assertThat(code(body)).isEqualTo("invalid_parameters");
    assertThat(body.path("error").path("fields").findValuesAsText("field")).containsExactlyInAnyOrder("text", "n", "extra");
    assertThat(stack.runs.get(body.path("run_id").asText()).orElseThrow().status().wire()).isEqualTo("rejected");
  }

  @Test
  void badBodiesGetCleanErrors() {
    assertThat(code(call(post("/wf/echo", stack.userKey, "{\"text\":"), 400))).isEqualTo("malformed_json");
    assertThat(code(call(post("/wf/echo", stack.userKey, "[1,2]"), 400))).isEqualTo("malformed_json");
    ApiRequest form = new ApiRequest("POST", "/wf/echo", Map.of("authorization", "Bearer " + stack.userKey,
        "content-type", "application/x-www-form-urlencoded"), Map.of(), "text=hi", "r");
    assertThat(code(call(form, 415))).isEqualTo("unsupported_media_type");
    String big = "{\"text\":\"" + "x".repeat(HttpApi.MAX_BODY_BYTES) + "\"}";
    assertThat(code(call(post("/wf/echo", stack.userKey, big), 413))).isEqualTo("body_too_large");
  }

  @Test
  void unknownWorkflowWrongMethodAndUnknownRouteAreClean() {
    assertThat(code(call(post("/wf/nope", stack.userKey, "{}"), 404))).isEqualTo("unknown_workflow");
    // without a key, an unknown workflow and a protected one answer alike: nobody learns which exist
    assertThat(call(post("/wf/nope", null, "{}"), 401)).isEqualTo(call(post("/wf/echo", null, "{}"), 401));
    assertThat(code(call(post("/wf/internal", stack.userKey, "{}"), 404))).isEqualTo("unknown_workflow");
    ApiResponse wrongMethod = stack.api.handle(get("/wf/echo", stack.userKey, Map.of()));
    assertThat(wrongMethod.status()).isEqualTo(405);
    assertThat(wrongMethod.headers()).containsEntry("allow", "POST");
    assertThat(code(call(get("/nothing", null, Map.of()), 404))).isEqualTo("not_found");
  }

  @Test
  void failedStepIs422WithTheRunId() {
    JsonNode body = call(post("/wf/fails", stack.userKey, ""), 422);
    assertThat(code(body)).isEqualTo("expression_error");
    assertThat(body.path("run_id").asText()).isNotEmpty();
  }

  @Test
  void runLogNeedsAnAdminKey() {
    String runId = call(post("/wf/echo", stack.userKey, "{\"text\":\"hi\"}"), 200).path("run_id").asText();
    assertThat(code(call(get("/runs/" + runId, null, Map.of()), 401))).isEqualTo("unauthorized");
    assertThat(code(call(get("/runs/" + runId, stack.userKey, Map.of()), 403))).isEqualTo("forbidden");
    JsonNode run = call(get("/runs/" + runId, stack.adminKey, Map.of()), 200);
    assertThat(run.path("run_id").asText()).isEqualTo(runId);
    assertThat(run.path("status").asText()).isEqualTo("succeeded");
    assertThat(run.path("steps").get(0).path("output").path("said").asText()).isEqualTo("hi");
  }

  @Test
  void runsCanBeListedByWorkflowAndStatus() {
    call(post("/wf/echo", stack.userKey, "{\"text\":\"a\"}"), 200);
    call(post("/wf/echo", stack.userKey, "{}"), 400);
    JsonNode all = call(get("/runs", stack.adminKey, Map.of("workflow", "echo")), 200);
    assertThat(all.path("runs").size()).isEqualTo(2);
    JsonNode rejected = call(get("/runs", stack.adminKey, Map.of("workflow", "echo", "status", "rejected")), 200);
    assertThat(rejected.path("runs").size()).isEqualTo(1);
    assertThat(code(call(get("/runs", stack.adminKey, Map.of()), 400))).isEqualTo("invalid_query");
    assertThat(code(call(get("/runs", stack.adminKey, Map.of("status", "weird")), 400))).isEqualTo("invalid_query");
    assertThat(code(call(get("/runs", stack.adminKey, Map.of("workflow", "echo", "cursor", "zz")), 400))).isEqualTo("invalid_query");
    assertThat(code(call(get("/runs/unknown", stack.adminKey, Map.of()), 404))).isEqualTo("run_not_found");
  }

  @Test
  void runsCanBeListedByDefinitionVersion() {
    call(post("/wf/echo", stack.userKey, "{\"text\":\"a\"}"), 200);
    String version = call(get("/runs", stack.adminKey, Map.of("workflow", "echo")), 200).path("runs").get(0)
        .path("definition_version").asText();
    assertThat(version).isNotBlank();

    assertThat(call(get("/runs", stack.adminKey, Map.of("workflow", "echo", "version", version)), 200).path("runs").size()).isEqualTo(1);
    assertThat(call(get("/runs", stack.adminKey, Map.of("workflow", "echo", "version", "other")), 200).path("runs").size()).isZero();
    JsonNode alone = call(get("/runs", stack.adminKey, Map.of("status", "succeeded", "version", version)), 400);
    assertThat(code(alone)).isEqualTo("invalid_query");
    assertThat(alone.path("error").path("fields").toString()).contains("version");
  }

  @Test
  void userAuthWorkflowsRunForTheVerifiedUserOnly() {
    JsonNode anonymous = call(post("/wf/mine", stack.userKey, ""), 401);
    assertThat(code(anonymous)).isEqualTo("unauthorized");
    ApiRequest withClaims = new ApiRequest("POST", "/wf/mine", Map.of(), Map.of(), "", "r",
        Map.of("sub", "user-42", "email", "ada@example.com"));
    JsonNode ok = call(withClaims, 200);
    assertThat(ok.path("response").path("email").asText()).isEqualTo("ada@example.com");
    assertThat(stack.runs.get(ok.path("run_id").asText()).orElseThrow().caller()).isEqualTo("user:user-42");
  }

  @Test
  void aWorkflowFunctionServesOnlyItsWorkflow() {
    var echoOnly = new dev.backendworkflows.testutils.TestApi(new HttpApi(stack.engine, stack.runs, stack.keys,
        new HttpApi.Routes.Workflow("echo")));
    assertThat(echoOnly.handle(post("/wf/open", stack.userKey, "")).status()).isEqualTo(404);
    assertThat(echoOnly.handle(post("/wf/open", null, "")).status()).as("without a key: the same 401 as any protected workflow")
        .isEqualTo(401);
    assertThat(echoOnly.handle(get("/runs", stack.adminKey, Map.of("workflow", "echo"))).status()).isEqualTo(404);
    assertThat(echoOnly.handle(post("/wf/echo", stack.userKey, "{\"text\":\"x\"}")).status()).isEqualTo(200);
  }

  @Test
  void theAdminFunctionAnswersEveryOtherWorkflowPathAsAnUnknownWorkflowAndRunsNothing() {
    // on AWS, /wf/{name} without a workflow function of its own reaches the admin function
    var admin = new dev.backendworkflows.testutils.TestApi(new HttpApi(stack.engine, stack.runs, stack.keys, new HttpApi.Routes.Admin()));
    ApiResponse protectedOne = stack.api.handle(post("/wf/echo", null, "{\"text\":\"x\"}"));
    for (String name : new String[] {"nope", "echo", "open"}) {
      ApiResponse anonymous = admin.handle(post("/wf/" + name, null, "{}"));
      assertThat(anonymous.status()).isEqualTo(401);
      assertThat(anonymous.body()).as("the same answer as a protected workflow's").isEqualTo(protectedOne.body());
      assertThat(code(call(admin.http(), post("/wf/" + name, stack.userKey, "{}"), 404))).isEqualTo("unknown_workflow");
      assertThat(admin.handle(get("/wf/" + name, stack.userKey, Map.of())).status()).isEqualTo(405);
    }
    assertThat(stack.runs.query(new dev.backendworkflows.runlog.RunQuery("open", null, 10, null)).runs()).isEmpty();
  }
}
