package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.backendworkflows.internal.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Workflows with auth: user, through the runner standing in for API Gateway's JWT authorizer. */
class UserAuthTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir
  Path tmp;

  private LocalRunner start(String... extra) throws Exception {
    Files.writeString(tmp.resolve("me.yaml"), """
        name: me
        trigger: { api: { auth: user } }
        steps:
          - { action: return, data: { you: "{% $run.user.sub %}", email: "{% $run.user.email %}" } }
        """);
    String[] args = new String[4 + extra.length];
    System.arraycopy(new String[] {"--port", "0", "--workflows", tmp.toString()}, 0, args, 0, 4);
    System.arraycopy(extra, 0, args, 4, extra.length);
    return new LocalRunner(LocalRunner.Options.parse(args), Clock.systemUTC());
  }

  private static final java.time.Instant IN_AN_HOUR = java.time.Instant.now().plusSeconds(3600);

  private HttpResponse<String> call(LocalRunner runner, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + "/wf/me")).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return http.send(b.build(), dev.backendworkflows.testutils.ErrorBodies.recording());
  }

  @Test
  void aValidTokenRunsTheWorkflowAsItsUser() throws Exception {
    try (LocalRunner runner = start("--jwt-secret", "dev-secret")) {
      String token = JWT.create().withSubject("user-7").withClaim("email", "grace@example.com").withExpiresAt(IN_AN_HOUR)
          .sign(Algorithm.HMAC256("dev-secret"));
      HttpResponse<String> r = call(runner, token);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(Json.tree(r.body()).path("response").path("you").asText()).isEqualTo("user-7");
      assertThat(Json.tree(r.body()).path("response").path("email").asText()).isEqualTo("grace@example.com");
    }
  }

  @Test
  void missingForgedOrUnconfiguredTokensAreRefusedAsApiGatewayWould() throws Exception {
    String forged = JWT.create().withSubject("eve").withExpiresAt(IN_AN_HOUR).sign(Algorithm.HMAC256("not-the-secret"));
    try (LocalRunner runner = start("--jwt-secret", "dev-secret")) {
      assertThat(call(runner, null).statusCode()).isEqualTo(401);
      HttpResponse<String> r = call(runner, forged);
      assertThat(r.statusCode()).isEqualTo(401);
      assertThat(r.body()).isEqualTo("{\"message\":\"Unauthorized\"}");
      assertThat(call(runner, runner.apiKey()).statusCode()).isEqualTo(401);
      assertThat(call(runner, JWT.create().withSubject("forever").sign(Algorithm.HMAC256("dev-secret"))).statusCode())
          .as("a token without exp").isEqualTo(401);
      assertThat(call(runner, JWT.create().withSubject("late").withExpiresAt(java.time.Instant.now().minusSeconds(60))
          .sign(Algorithm.HMAC256("dev-secret"))).statusCode()).as("an expired token").isEqualTo(401);
    }
    try (LocalRunner runner = start("--jwt-secret", "dev-secret", "--jwt-issuer", "https://id.example.com", "--jwt-audience", "app")) {
      var good = JWT.create().withSubject("u").withExpiresAt(IN_AN_HOUR).withIssuer("https://id.example.com").withAudience("app");
      assertThat(call(runner, good.sign(Algorithm.HMAC256("dev-secret"))).statusCode()).isEqualTo(200);
      assertThat(call(runner, JWT.create().withSubject("u").withExpiresAt(IN_AN_HOUR).withIssuer("https://evil.example.com")
          .withAudience("app").sign(Algorithm.HMAC256("dev-secret"))).statusCode()).as("another issuer").isEqualTo(401);
      assertThat(call(runner, JWT.create().withSubject("u").withExpiresAt(IN_AN_HOUR).withIssuer("https://id.example.com")
          .withAudience("other").sign(Algorithm.HMAC256("dev-secret"))).statusCode()).as("another audience").isEqualTo(401);
    }
    try (LocalRunner runner = start()) {
      assertThat(call(runner, JWT.create().withSubject("x").withExpiresAt(IN_AN_HOUR).sign(Algorithm.HMAC256("dev-secret")))
          .statusCode()).isEqualTo(401);
    }
  }
}
