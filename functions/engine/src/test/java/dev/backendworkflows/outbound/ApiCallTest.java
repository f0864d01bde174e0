package dev.backendworkflows.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** api_call against a real HTTP server on localhost. */
class ApiCallTest {
  private HttpServer server;
  private final AtomicReference<String> lastRequest = new AtomicReference<>();
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("call.yaml", """
      name: call
      trigger: { api: {} }
      parameters:
        url: { type: text, required: true }
        method: { type: text, default: GET }
        body: { type: object }
        timeout: { type: number, default: 5000 }
      steps:
        - id: r
          action: api_call
          url: "{% $params.url %}"
          method: "{% $params.method %}"
          query: { q: "a b", n: 2 }
          headers: { X-Trace: t1 }
          body: "{% $params.body %}"
          timeout_ms: "{% $params.timeout %}"
        - { action: return, data: "{% $steps.r %}" }
      """));

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/echo", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      lastRequest.set(ex.getRequestMethod() + " " + ex.getRequestURI() + " " + ex.getRequestHeaders().getFirst("Content-Type")
          + " " + ex.getRequestHeaders().getFirst("X-Trace") + " " + body + " auth=" + ex.getRequestHeaders().getFirst("Authorization"));
      byte[] out = "{\"ok\":true,\"rates\":{\"USD\":1.08}}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    server.createContext("/missing", ex -> {
      ex.sendResponseHeaders(404, -1);
      ex.close();
    });
    server.createContext("/slow", ex -> {
      try {
        Thread.sleep(2000);
      } catch (InterruptedException ignored) {
        // the client gave up
      }
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    server.createContext("/huge", ex -> {
      byte[] chunk = new byte[64 * 1024];
      ex.sendResponseHeaders(200, 0);
      for (int i = 0; i < 20; i++) {
        ex.getResponseBody().write(chunk);
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  private RunRecord call(Map<String, Object> input) {
    return stack.engine.run(new RunRequest("call", input, "api", "test")).record();
  }

  @Test
  void getWithQueryAndHeadersParsesAJsonAnswer() {
    RunRecord r = call(Map.of("url", url("/echo")));
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(lastRequest.get()).startsWith("GET /echo?q=a+b&n=2 null t1");
    @SuppressWarnings("unchecked")
    Map<String, Object> result = (Map<String, Object>) r.response();
    assertThat(result.get("status")).isEqualTo(200);
    assertThat(result.get("body")).isEqualTo(Map.of("ok", true, "rates", Map.of("USD", new java.math.BigDecimal("1.08"))));
  }

  @Test
  void objectBodiesGoAsJson() {
    call(Map.of("url", url("/echo"), "method", "POST", "body", Map.of("a", 1)));
    assertThat(lastRequest.get()).isEqualTo("POST /echo?q=a+b&n=2 application/json t1 {\"a\":1} auth=null");
  }

  @Test
  void anErrorStatusIsAResultNotAFailure() {
    RunRecord r = call(Map.of("url", url("/missing")));
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(((Map<?, ?>) r.response()).get("status")).isEqualTo(404);
  }

  @Test
  void noAnswerFailsTheStepSayingWhy() throws Exception {
    int closed;
    try (var socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    RunRecord refused = call(Map.of("url", "http://127.0.0.1:" + closed + "/x"));
    assertThat(refused.error().code()).isEqualTo("api_call_failed");
    RunRecord slow = call(Map.of("url", url("/slow"), "timeout", 200));
    assertThat(slow.error().code()).isEqualTo("api_call_failed");
    assertThat(slow.error().message()).contains("timed out after 200 ms");
    RunRecord huge = call(Map.of("url", url("/huge")));
    assertThat(huge.error().code()).isEqualTo("response_too_large");
    assertThat(call(Map.of("url", "ftp://example.com")).error().code()).isEqualTo("invalid_argument");
  }

  @Test
  void secretsReachTheRequestButNeverTheRunLogOrAnError() throws Exception {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("paid.yaml", """
        name: paid
        trigger: { api: {} }
        secrets: [rates_key]
        parameters:
          url: { type: text, required: true }
        steps:
          - id: r
            action: api_call
            url: "{% $params.url %}"
            headers: { Authorization: { secret: rates_key, prefix: "Bearer " } }
            query: { token: { secret: rates_key } }
        """));
    s.secretEnv.put("BW_SECRET_RATES_KEY", "s3cr3t-value");
    RunRecord ok = s.engine.run(new RunRequest("paid", Map.of("url", url("/echo")), "api", "t")).record();
    assertThat(ok.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(lastRequest.get()).contains("token=s3cr3t-value").endsWith("auth=Bearer s3cr3t-value");
    assertThat(dev.backendworkflows.internal.Json.write(ok)).doesNotContain("s3cr3t-value");

    int closed;
    try (var socket = new java.net.ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    RunRecord failed = s.engine.run(new RunRequest("paid", Map.of("url", "http://127.0.0.1:" + closed + "/x"), "api", "t")).record();
    assertThat(failed.error().message()).contains("token=***").doesNotContain("s3cr3t-value");

    s.secretEnv.clear();
    RunRecord missing = s.engine.run(new RunRequest("paid", Map.of("url", url("/echo")), "api", "t")).record();
    assertThat(missing.error().code()).isEqualTo("secret_not_found");
    assertThat(missing.error().message()).contains("BW_SECRET_RATES_KEY");
  }

  @Test
  void secretsCannotBeReadByExpressions() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fixtures.workflows("leak.yaml",
        "name: leak\ntrigger: { api: {} }\nsteps: [ { action: log, message: \"{% $secrets.rates_key %}\" } ]\n"))
        .isInstanceOf(dev.backendworkflows.exceptions.DefinitionException.class).hasMessageContaining("$secrets");
  }
}
