package dev.backendworkflows.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** api_call never reaches what it must not: every SSRF form is refused before any connection, and secrets stay the definition's. */
class OutboundGuardTest {
  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private static final String CALL = """
      name: call
      trigger: { api: {} }
      secrets: [api_key]
      parameters:
        url: { type: text, required: true }
        auth: { type: object }
      steps:
        - id: r
          action: api_call
          method: POST
          url: "{% $params.url %}"
          headers:
            X-Key: { secret: api_key }
            X-Caller: "{% $params.auth %}"
        - { action: return, data: "{% $steps.r %}" }
      """;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      seen.add(ex.getRequestURI().getPath());
      String body = ex.getRequestURI().getPath().equals("/redirect") ? "" : Json.write(Map.of("you_sent", Map.of(
          "x_key", String.valueOf(ex.getRequestHeaders().getFirst("X-Key")),
          "x_caller", String.valueOf(ex.getRequestHeaders().getFirst("X-Caller")))));
      if (ex.getRequestURI().getPath().equals("/redirect")) {
        ex.getResponseHeaders().set("Location", "http://127.0.0.1:" + server.getAddress().getPort() + "/target");
        ex.sendResponseHeaders(302, -1);
      } else {
        byte[] out = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
      }
      ex.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private Fixtures.Stack stack(OutboundPolicy policy) {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("call.yaml", CALL), MutableClock.at("2026-03-01T09:00:00Z"), null, policy);
    s.secretEnv.put("BW_SECRET_API_KEY", "k3y-from-ssm");
    return s;
  }

  private static RunRecord call(Fixtures.Stack s, String url, Map<String, Object> auth) {
    Map<String, Object> params = new java.util.LinkedHashMap<>(Map.of("url", url));
    if (auth != null) {
      params.put("auth", auth);
    }
    return s.engine.run(new RunRequest("call", params, "api", "t")).record();
  }

  @Test
  void everyFormOfALocalOrPrivateDestinationIsRefusedWithNoConnection() {
    Fixtures.Stack s = stack(OutboundPolicy.PUBLIC_ONLY);
    int port = server.getAddress().getPort();
    int closed = port == 9 ? 10 : 9;
    for (String url : List.of("http://127.0.0.1:" + port + "/a", "http://localhost:" + port + "/a", "http://0.0.0.0:" + port + "/a",
        "http://2130706433:" + port + "/a", "http://[::ffff:127.0.0.1]:" + port + "/a", "http://[::1]:" + port + "/a",
        "http://user@127.0.0.1:" + port + "/a", "http://127.1:" + port + "/a", "http://127.0.0.1:" + closed + "/a",
        "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/latest/meta-data/", "http://10.0.0.1/",
        "http://192.168.1.1/", "http://172.16.0.1/", "http://100.64.0.1/", "http://[fe80::1]/", "http://224.0.0.1/")) {
      RunRecord r = call(s, url, null);
      assertThat(r.error()).as(url).isNotNull();
      // 127.1 is not a host name the JDK's URI parser accepts: refused as a malformed URL, also before any connection
      assertThat(r.error().code()).as(url).isEqualTo(url.contains("//127.1:") ? "invalid_argument" : "destination_not_allowed");
      assertThat(r.error().message()).as(url).doesNotContain("Exception").doesNotContain("k3y-from-ssm");
    }
    assertThat(seen).as("requests the local server received").isEmpty();
  }

  @Test
  void aRedirectIsCheckedLikeTheFirstDestination() {
    Fixtures.Stack s = stack(new OutboundPolicy(List.of("localhost"), true));
    RunRecord r = call(s, "http://localhost:" + server.getAddress().getPort() + "/redirect", null);
    assertThat(r.error().code()).isEqualTo("destination_not_allowed");
    assertThat(seen).containsExactly("/redirect"); // never /target
  }

  @Test
  void addressRangesAreClassifiedInEveryForm() throws Exception {
    for (String refused : List.of("127.0.0.1", "0.0.0.0", "10.1.2.3", "172.31.255.255", "192.168.0.1", "169.254.169.254",
        "100.100.0.1", "224.0.0.251", "255.255.255.255", "240.0.0.1", "::1", "::", "fe80::1", "fd00:ec2::254", "fc00::1",
        "::ffff:10.0.0.1", "::ffff:127.0.0.1", "64:ff9b::a00:1", "2002:a00:1::", "ff02::1")) {
      assertThat(OutboundPolicy.isPublic(InetAddress.getByName(refused))).as(refused).isFalse();
    }
    for (String allowed : List.of("93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8")) {
      assertThat(OutboundPolicy.isPublic(InetAddress.getByName(allowed))).as(allowed).isTrue();
    }
  }

  @Test
  void onlyListedHostsAreCalledWhenAListIsConfigured() {
    OutboundPolicy policy = OutboundPolicy.fromEnvironment(Map.of(OutboundPolicy.ENV_ALLOWED_HOSTS, "api.stripe.com, *.example.com"));
    assertThat(policy.hostAllowed("api.stripe.com")).isTrue();
    assertThat(policy.hostAllowed("hooks.example.com")).isTrue();
    assertThat(policy.hostAllowed("example.com.evil.net")).isFalse();
    assertThat(policy.hostAllowed("evil.net")).isFalse();
    assertThat(OutboundPolicy.fromEnvironment(Map.of()).hostAllowed("anything.net")).isTrue();
  }

  @Test
  void aCallerCannotPickASecretAndAnEchoedSecretIsMasked() {
    Fixtures.Stack s = stack(OutboundPolicy.allowingPrivate());
    s.secretEnv.put("BW_SECRET_OTHER_KEY", "other-s3cret");
    RunRecord r = call(s, "http://127.0.0.1:" + server.getAddress().getPort() + "/echo", Map.of("secret", "other_key"));
    String everything = Json.write(r) + Json.write(s.runs.load(r.runId()).orElseThrow());
    assertThat(r.error()).isNull();
    Map<?, ?> sent = (Map<?, ?>) ((Map<?, ?>) ((Map<?, ?>) r.response()).get("body")).get("you_sent");
    // the caller's {secret: other_key} went out as the text it is, never as the secret it names
    assertThat(sent.get("x_caller")).isEqualTo("{\"secret\":\"other_key\"}");
    assertThat(everything).doesNotContain("other-s3cret");
    // the declared secret reached the server, and its echo came back masked everywhere
    assertThat(sent.get("x_key")).isEqualTo("***");
    assertThat(everything).doesNotContain("k3y-from-ssm");
  }

  @Test
  void anInvalidUrlCarryingASecretNeverShowsIt() {
    Fixtures.Stack s = stack(OutboundPolicy.allowingPrivate());
    RunRecord r = call(s, "http://127.0.0.1:" + server.getAddress().getPort() + "/a b|{}", null);
    assertThat(r.error().code()).isEqualTo("invalid_argument");
    assertThat(Json.write(r)).doesNotContain("k3y-from-ssm").doesNotContain("URISyntaxException");
  }
}
