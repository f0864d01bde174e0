package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.ErrorBodies;
import dev.backendworkflows.testutils.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The runner's HTTP edge, spoken to over a raw socket as an attacker would: every request the HTTP
 * layer refuses still gets an answer, in the API's JSON error shape, with no HTML and no internals.
 */
class LocalHttpEdgeTest {
  private static LocalRunner runner;

  @BeforeAll
  static void start() throws Exception {
    runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", Fixtures.shippedWorkflows().toString()),
        Clock.systemUTC());
  }

  @AfterAll
  static void stop() throws Exception {
    runner.close();
  }

  /** A raw answer: status, headers as text, body. */
  record Answer(int status, String head, String body) {
    JsonNode error() {
      return Json.tree(body).path("error");
    }
  }

  private static Answer send(String raw) throws IOException {
    return send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static Answer send(byte[] raw) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", runner.port())) {
      socket.setSoTimeout(10_000);
      try {
        socket.getOutputStream().write(raw);
        socket.getOutputStream().flush();
      } catch (IOException closedEarly) {
        // the server may answer and close before all of an oversized request is written: read its answer
      }
      String text = new String(readAll(socket.getInputStream()), StandardCharsets.UTF_8);
      assertThat(text).as("the server answers every request").startsWith("HTTP/1.1 ");
      int split = text.indexOf("\r\n\r\n");
      String head = text.substring(0, split);
      String body = text.substring(split + 4);
      int status = Integer.parseInt(head.substring(9, 12));
      ErrorBodies.record(status, body);
      return new Answer(status, head, body);
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
        if (complete(out.toString(StandardCharsets.ISO_8859_1))) {
          break;
        }
      }
    } catch (java.net.SocketException reset) {
      // a reset after the answer was sent: keep what arrived
    }
    return out.toByteArray();
  }

  /** Whether a whole answer (headers and a Content-Length body) has arrived. */
  private static boolean complete(String text) {
    int split = text.indexOf("\r\n\r\n");
    if (split < 0) {
      return false;
    }
    var m = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(text.substring(0, split));
    return m.find() && text.length() - split - 4 >= Integer.parseInt(m.group(1));
  }

  private static void assertJsonError(Answer a, int status, String code) {
    assertThat(a.status()).as(a.head() + "\n" + a.body()).isEqualTo(status);
    assertThat(a.head().toLowerCase()).contains("content-type: application/json");
    assertThat(a.body()).doesNotContainIgnoringCase("<html").doesNotContainIgnoringCase("jetty");
    assertThat(a.error().path("code").asText()).isEqualTo(code);
    assertThat(a.error().path("message").asText()).isNotBlank();
    assertThat(a.error().path("fields").isArray()).isTrue();
    assertThat(ErrorBodies.violations(a.body())).isEmpty();
  }

  @Test
  void malformedRequestLinesAre400Json() throws Exception {
    assertJsonError(send("GET /wf/a b c HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad_request");
    assertJsonError(send("GARBAGE\r\n\r\n"), 400, "bad_request");
    assertJsonError(send("POST /wf/onboard-user HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"), 400, "bad_request");
  }

  @Test
  void malformedUrisAre400Json() throws Exception {
    assertJsonError(send("POST /wf/%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 400, "bad_request");
    assertJsonError(send("POST /wf/x%00y HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"), 400, "bad_request");
    assertJsonError(send("GET /wf/%2e%2e/runs HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "bad_request");
  }

  @Test
  void tooManyOrTooLargeHeadersAre431Json() throws Exception {
    StringBuilder many = new StringBuilder("POST /wf/onboard-user HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 300; i++) {
      many.append("X-Header-").append(i).append(": some value of a header\r\n");
    }
    assertJsonError(send(many.append("Content-Length: 0\r\n\r\n").toString()), 431, "headers_too_large");
    String token = "a".repeat(300 * 1024);
    assertJsonError(send("POST /wf/onboard-user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nContent-Length: 0\r\n\r\n"),
        431, "headers_too_large");
  }

  @Test
  void brokenEscapesInTheQueryAreNoFault() throws Exception {
    assertJsonError(send("GET /openapi.json?% HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 401, "unauthorized");
    Answer runs = send("GET /runs?workflow=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + runner.apiKey()
        + "\r\nConnection: close\r\n\r\n");
    assertThat(runs.status()).as(runs.body()).isEqualTo(200);
    assertThat(Json.tree(runs.body()).path("runs").size()).isZero();
  }

  @Test
  void aContentLengthOverTheCapIs413AtOnce() throws Exception {
    long t0 = System.nanoTime();
    assertJsonError(send("POST /wf/onboard-user HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{}"),
        413, "body_too_large");
    assertThat(java.time.Duration.ofNanos(System.nanoTime() - t0)).as("answered without waiting for the body").isLessThan(java.time.Duration.ofSeconds(5));
  }

  @Test
  void anUnsupportedHttpVersionIs505Json() throws Exception {
    assertJsonError(send("GET /runs HTTP/9.9\r\nHost: x\r\n\r\n"), 505, "http_version_not_supported");
  }

  @Test
  void wellFormedRequestsStillReachTheApi() throws Exception {
    String body = "{\"email\":\"e@example.com\",\"name\":\"E\"}";
    Answer ok = send("POST /wf/onboard-user HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + runner.apiKey()
        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\nConnection: close\r\n\r\n" + body);
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(Json.tree(ok.body()).path("status").asText()).isEqualTo("succeeded");
    Answer unknown = send("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertJsonError(unknown, 404, "not_found");
  }
}
