package dev.backendworkflows.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * DNS rebinding: a name that resolves to a checked address for the guard and to another for the
 * connection. The fake DNS ({@link FakeDns}, behind the shipped resolver) answers differently on
 * each lookup, with the JVM's DNS cache off (see the module's surefire settings), so only the pin
 * keeps the client on the checked address.
 */
class DnsRebindingTest {
  private HttpServer checked;
  private HttpServer other;
  private final AtomicInteger checkedHits = new AtomicInteger();
  private final AtomicInteger otherHits = new AtomicInteger();

  private static HttpServer server(String address, String answer, AtomicInteger hits) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(address, 0), 0);
    s.createContext("/", ex -> {
      hits.incrementAndGet();
      byte[] out = answer.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(200, out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    s.start();
    return s;
  }

  @org.junit.jupiter.api.BeforeAll
  static void fakeDns() {
    new JdkOutboundHttp(OutboundPolicy.PUBLIC_ONLY); // as at a function's start: the JVM picks its resolver
    FakeDns.install();
  }

  @BeforeEach
  void start() throws Exception {
    checked = server("127.0.0.1", "checked", checkedHits);
    other = server("127.0.0.2", "other", otherHits);
  }

  @AfterEach
  void stop() {
    checked.stop(0);
    other.stop(0);
  }

  private static String name() {
    return "rebind-" + System.nanoTime() + ".test";
  }

  private static OutboundHttp.Request get(String host, int port) {
    return new OutboundHttp.Request("GET", "http://" + host + ":" + port + "/", Map.of(), null, Duration.ofSeconds(2));
  }

  @Test
  void theShippedResolverIsTheJvmsResolver() {
    assertThat(java.util.ServiceLoader.load(java.net.spi.InetAddressResolverProvider.class).stream()
        .map(p -> p.type().getName()).toList()).containsExactly(PinningResolverProvider.class.getName());
    assertThat(PinnedNames.installed()).isTrue();
  }

  @Test
  void theTestDnsChangesItsAnswerAndTheJvmDoesNotCacheIt() throws Exception {
    String name = name();
    FakeDns.script(name, List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
    assertThat(InetAddress.getByName(name).getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(InetAddress.getByName(name).getHostAddress()).as("a second lookup asks DNS again").isEqualTo("127.0.0.2");
    assertThat(PinnedNames.installed()).as("the JVM resolves through the pinning resolver").isTrue();
  }

  @Test
  void theClientConnectsToTheAddressTheGuardChecked() throws Exception {
    String name = name();
    FakeDns.script(name, List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
    int port = checked.getAddress().getPort();
    other.stop(0);
    other = HttpServer.create(new InetSocketAddress("127.0.0.2", port), 0); // the same port on the address DNS turns to
    other.createContext("/", ex -> {
      otherHits.incrementAndGet();
      ex.sendResponseHeaders(200, -1);
      ex.close();
    });
    other.start();

    OutboundHttp.Response r = new JdkOutboundHttp(OutboundPolicy.allowingPrivate()).send(get(name, port));

    assertThat(r.body()).isEqualTo("checked");
    assertThat(checkedHits).hasValue(1);
    assertThat(otherHits).as("requests to the address DNS answered second").hasValue(0);
    assertThat(FakeDns.lookups(name)).as("DNS asked once: by the guard").isEqualTo(1);
  }

  @Test
  void aNameThatTurnsLocalAfterTheCheckNeverReachesTheLocalServer() throws Exception {
    String name = name();
    // checked: a public address (documentation range; unreachable); then the loopback server
    FakeDns.script(name, List.of(InetAddress.getByName("192.0.2.1"), InetAddress.getByName("127.0.0.1")));

    Throwable outcome = catchThrowable(() -> new JdkOutboundHttp(OutboundPolicy.PUBLIC_ONLY).send(get(name, checked.getAddress().getPort())));

    assertThat(checkedHits).as("requests the loopback server received").hasValue(0);
    assertThat(FakeDns.lookups(name)).isEqualTo(1);
    if (outcome != null) { // no route to the documentation address here: the call fails as unreachable, never as a local answer
      assertThat(outcome).hasMessageNotContaining("checked");
    }
  }

  @Test
  void aPinEndsWithItsCall() throws Exception {
    String name = name();
    FakeDns.script(name, List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.2")));
    new JdkOutboundHttp(OutboundPolicy.allowingPrivate()).send(get(name, checked.getAddress().getPort()));
    assertThat(InetAddress.getByName(name).getHostAddress()).as("after the call DNS answers again").isEqualTo("127.0.0.2");
  }
}
