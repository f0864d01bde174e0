package dev.backendworkflows.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.backendworkflows.aws.lambda.HttpApiEvents;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Stands in for API Gateway: turns each HTTP request into the payload-2.0 event API Gateway would
 * send, invokes the Lambda handler in-process, and writes back the response it returns.
 */
public final class LocalHttpServer implements AutoCloseable {
  private final HttpServer server;
  private final RequestStreamHandler handler;
  private final Map<String, Supplier<Object>> localRoutes = new java.util.concurrent.ConcurrentHashMap<>();
  private final String devKey;
  private volatile java.util.function.Predicate<String> userAuthPath = path -> false;
  private volatile LocalJwtAuthorizer authorizer = new LocalJwtAuthorizer(null);

  /** @param devKey the bearer key that local-only routes (such as the outbox) require */
  public LocalHttpServer(String host, int port, RequestStreamHandler handler, String devKey) throws IOException {
    this.handler = handler;
    this.devKey = devKey;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/", this::serve);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  /** Routes for which this server plays API Gateway's JWT authorizer, and how it verifies tokens. */
  void requireUser(java.util.function.Predicate<String> path, LocalJwtAuthorizer authorizer) {
    this.userAuthPath = path;
    this.authorizer = authorizer;
  }

  /** Serves {@code GET path} from the runner itself (not the Lambda handler): local-only views. */
  public void addLocalRoute(String path, Supplier<Object> body) {
    localRoutes.put(path, body);
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      Supplier<Object> local = localRoutes.get(exchange.getRequestURI().getPath());
      if (local != null && exchange.getRequestMethod().equals("GET")) {
        boolean allowed = ("Bearer " + devKey).equals(exchange.getRequestHeaders().getFirst("Authorization"));
        byte[] bytes = allowed ? Json.MAPPER.writeValueAsBytes(local.get())
            : "{\"error\":{\"code\":\"unauthorized\",\"message\":\"Send the dev API key as 'Authorization: Bearer <key>'\",\"fields\":[]}}".getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("content-type", "application/json");
        exchange.sendResponseHeaders(allowed ? 200 : 401, bytes.length);
        exchange.getResponseBody().write(bytes);
        return;
      }
      byte[] body = readCapped(exchange.getRequestBody());
      Map<String, Object> event = event(exchange, new String(body, StandardCharsets.UTF_8));
      if (!isUtf8(body)) { // as API Gateway passes bytes that are not text: base64, for the handler to refuse
        event.put("body", java.util.Base64.getEncoder().encodeToString(body));
        event.put("isBase64Encoded", true);
      }
      if (userAuthPath.test(exchange.getRequestURI().getPath())) {
        var claims = authorizer.claims(exchange.getRequestHeaders().getFirst("Authorization"));
        if (claims.isEmpty()) { // what API Gateway's JWT authorizer answers, before any function runs
          byte[] bytes = "{\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("content-type", "application/json");
          exchange.getResponseHeaders().set("www-authenticate", "Bearer");
          exchange.sendResponseHeaders(401, bytes.length);
          exchange.getResponseBody().write(bytes);
          return;
        }
        event = HttpApiEvents.withClaims(event, claims.get());
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      handler.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)), out, null);
      JsonNode response = Json.MAPPER.readTree(out.toByteArray());
      response.path("headers").fields().forEachRemaining(h -> exchange.getResponseHeaders().set(h.getKey(), h.getValue().asText()));
      byte[] bytes = response.path("body").asText("").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(response.path("statusCode").asInt(500), bytes.length == 0 ? -1 : bytes.length);
      if (bytes.length > 0) {
        exchange.getResponseBody().write(bytes);
      }
    } catch (RuntimeException e) {
      // the handler never throws for bad input; this is a runner fault, still answered as JSON
      byte[] bytes = "{\"error\":{\"code\":\"internal_error\",\"message\":\"local runner error\",\"fields\":[]}}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("content-type", "application/json");
      exchange.sendResponseHeaders(500, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /** Reads at most one byte more than the API accepts, so the API itself answers 413. */
  private static byte[] readCapped(InputStream in) throws IOException {
    byte[] body = in.readNBytes(HttpApi.MAX_BODY_BYTES + 1);
    in.transferTo(OutputStream.nullOutputStream());
    return body;
  }

  /** The API Gateway HTTP API payload-2.0 event for this request. */
  static Map<String, Object> event(HttpExchange exchange, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k, String.join(",", v)));
    Instant now = Instant.now();
    return HttpApiEvents.event(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath(),
        exchange.getRequestURI().getRawQuery(), headers, body,
        exchange.getRemoteAddress().getAddress().getHostAddress(), Ids.newId(now), now);
  }

  @Override
  public void close() {
    server.stop(0);
  }

}
