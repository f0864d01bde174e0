package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The user-auth example in examples/user-auth (add-task, list-tasks, complete-task) with the task type's privacy
 * rules at work, called over HTTP with users' JWTs as API Gateway's authorizer would pass them.
 */
class TaskPrivacyExampleTest {
  private final HttpClient http = HttpClient.newHttpClient();

  private static String token(String sub) {
    return JWT.create().withSubject(sub).withExpiresAt(Instant.now().plusSeconds(3600)).sign(Algorithm.HMAC256("dev-secret"));
  }

  private HttpResponse<String> call(LocalRunner runner, String user, String workflow, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + "/wf/" + workflow))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    if (user != null) {
      b.header("Authorization", "Bearer " + token(user));
    }
    return http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording());
  }

  private JsonNode ok(LocalRunner runner, String user, String workflow, String body) throws Exception {
    HttpResponse<String> r = call(runner, user, workflow, body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return Json.tree(r.body()).path("response");
  }

  @Test
  void eachUserSeesTheirOwnAndSharedTasks_andOnlyTheOwnerCompletesOne() throws Exception {
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.projectRoot().resolve("examples/user-auth").toString(), "--jwt-secret", "dev-secret"), Clock.systemUTC())) {
      String plants = ok(runner, "alice", "add-task", "{\"title\":\"Water the plants\",\"note\":\"the ficus\",\"shared\":true}")
          .path("_id").asText();
      ok(runner, "alice", "add-task", "{\"title\":\"Call mum\",\"note\":\"Sunday\"}");
      ok(runner, "bob", "add-task", "{\"title\":\"Fix the bike\"}");

      JsonNode alices = ok(runner, "alice", "list-tasks", "{}");
      assertThat(alices.findValuesAsText("title")).containsExactlyInAnyOrder("Water the plants", "Call mum");
      assertThat(alices.findValuesAsText("note")).containsExactlyInAnyOrder("the ficus", "Sunday");
      JsonNode bobs = ok(runner, "bob", "list-tasks", "{}");
      assertThat(bobs.findValuesAsText("title")).containsExactlyInAnyOrder("Water the plants", "Fix the bike");
      assertThat(bobs.findValuesAsText("note")).as("a shared task's note stays its owner's").isEmpty();

      HttpResponse<String> refused = call(runner, "bob", "complete-task", "{\"task_id\":\"" + plants + "\"}");
      assertThat(refused.statusCode()).isEqualTo(403);
      assertThat(Json.tree(refused.body()).path("error").path("code").asText()).isEqualTo("forbidden_by_privacy");
      assertThat(ok(runner, "alice", "complete-task", "{\"task_id\":\"" + plants + "\"}").path("done").asBoolean()).isTrue();
      assertThat(ok(runner, "alice", "list-tasks", "{\"done\":true}").findValuesAsText("title")).containsExactly("Water the plants");

      assertThat(call(runner, null, "list-tasks", "{}").statusCode()).as("no token, no user").isEqualTo(401);
    }
  }
}
