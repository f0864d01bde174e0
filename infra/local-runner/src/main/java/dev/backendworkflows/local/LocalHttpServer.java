package dev.backendworkflows.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * Stands in for API Gateway: turns each HTTP request into the payload-2.0 event API Gateway would
 * send, invokes the Lambda handler in-process, and writes back the response it returns.
 */
public final class LocalHttpServer implements AutoCloseable {
  private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
  private final HttpServer server;
  private final RequestStreamHandler handler;

  public LocalHttpServer(String host, int port, RequestStreamHandler handler) throws IOException {
    this.handler = handler;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/", this::serve);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
  }

  public void start() {
    server.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void serve(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = readCapped(exchange.getRequestBody());
      Map<String, Object> event = event(exchange, new String(body, StandardCharsets.UTF_8));
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

  /** Reads at most one byte more than the API accepts, so the API itself answers 413. */
  private static byte[] readCapped(InputStream in) throws IOException {
    byte[] body = in.readNBytes(HttpApi.MAX_BODY_BYTES + 1);
    in.transferTo(OutputStream.nullOutputStream());
    return body;
  }

  /** The API Gateway HTTP API payload-2.0 event for this request. */
  static Map<String, Object> event(HttpExchange exchange, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    exchange.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
    String rawQuery = exchange.getRequestURI().getRawQuery();
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        String[] kv = pair.split("=", 2);
        String k = URLDecoder.decode(kv[0], StandardCharsets.UTF_8);
        String v = kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "";
        query.merge(k, v, (a, b) -> a + "," + b);
      }
    }
    String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
    String path = exchange.getRequestURI().getRawPath();
    Instant now = Instant.now();
    Map<String, Object> http = new LinkedHashMap<>();
    http.put("method", method);
    http.put("path", path);
    http.put("protocol", exchange.getProtocol());
    http.put("sourceIp", exchange.getRemoteAddress().getAddress().getHostAddress());
    http.put("userAgent", headers.getOrDefault("user-agent", ""));
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("accountId", "000000000000");
    context.put("apiId", "local");
    context.put("domainName", headers.getOrDefault("host", "localhost"));
    context.put("http", http);
    context.put("requestId", Ids.newId(now));
    context.put("routeKey", "$default");
    context.put("stage", "$default");
    context.put("time", EVENT_TIME.format(now.atOffset(ZoneOffset.UTC)));
    context.put("timeEpoch", now.toEpochMilli());
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("version", "2.0");
    event.put("routeKey", "$default");
    event.put("rawPath", path);
    event.put("rawQueryString", rawQuery == null ? "" : rawQuery);
    event.put("headers", headers);
    if (!query.isEmpty()) {
      event.put("queryStringParameters", query);
    }
    event.put("requestContext", context);
    if (!body.isEmpty()) {
      event.put("body", body);
    }
    event.put("isBase64Encoded", false);
    return event;
  }

  @Override
  public void close() {
    server.stop(0);
  }

}
