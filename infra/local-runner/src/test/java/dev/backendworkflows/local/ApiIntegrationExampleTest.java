package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The shipped API-integration example against a rates API served on localhost. */
class ApiIntegrationExampleTest {
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void fetchesAndStoresTheRateOrStopsOnAnErrorStatus() throws Exception {
    AtomicInteger status = new AtomicInteger(200);
    HttpServer rates = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    rates.createContext("/rates", ex -> {
      byte[] out = ("{\"base\":\"EUR\",\"rates\":{\"USD\":1.08,\"GBP\":0.86},\"asked\":\"" + ex.getRequestURI().getQuery() + "\"}")
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status.get(), out.length);
      ex.getResponseBody().write(out);
      ex.close();
    });
    rates.start();
    // the rates API runs on localhost here: the runner calls it only with --allow-private-outbound
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString(), "--allow-private-outbound"), Clock.systemUTC())) {
      String body = "{\"quote\":\"USD\",\"rates_url\":\"http://127.0.0.1:" + rates.getAddress().getPort() + "/rates\"}";
      HttpRequest request = HttpRequest.newBuilder(URI.create(runner.url() + "/wf/fetch-exchange-rate"))
          .header("Authorization", "Bearer " + runner.apiKey()).header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(body)).build();
      JsonNode ok = Json.tree(http.send(request, dev.backendworkflows.testutils.ErrorBodies.recording()).body());
      assertThat(ok.path("status").asText()).as(ok.toString()).isEqualTo("succeeded");
      assertThat(ok.path("response").path("rate").decimalValue()).isEqualByComparingTo("1.08");
      assertThat(ok.path("response").path("quote").asText()).isEqualTo("USD");

      status.set(503);
      JsonNode down = Json.tree(http.send(request, dev.backendworkflows.testutils.ErrorBodies.recording()).body());
      assertThat(down.path("status").asText()).isEqualTo("terminated");
      assertThat(down.path("reason").asText()).isEqualTo("rates API answered 503");
    } finally {
      rates.stop(0);
    }
  }
}
