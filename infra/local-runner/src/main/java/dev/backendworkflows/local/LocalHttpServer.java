package dev.backendworkflows.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.lambda.HttpApiEvents;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Stands in for API Gateway: turns each HTTP request into the payload-2.0 event API Gateway would
 * send, invokes the Lambda handler in-process, and writes back the response it returns. Requests
 * the HTTP parser refuses (a malformed request line or URI, headers over API Gateway's 10 KiB) are
 * answered in the same JSON error shape, never an HTML page.
 */
public final class LocalHttpServer implements AutoCloseable {
  /** API Gateway's limit on the request line and headers together. */
  static final int MAX_HEADER_BYTES = 10 * 1024;
  private final Server server;
  private final ServerConnector connector;
  private final RequestStreamHandler handler;
  private final Map<String, Supplier<Object>> localRoutes = new java.util.concurrent.ConcurrentHashMap<>();
  private final String devKey;
  private volatile java.util.function.Predicate<String> userAuthPath = path -> false;
  private volatile LocalJwtAuthorizer authorizer = new LocalJwtAuthorizer(null);

  /** @param devKey the bearer key that local-only routes (such as the outbox) require */
  public LocalHttpServer(String host, int port, RequestStreamHandler handler, String devKey) throws IOException {
    this.handler = handler;
    this.devKey = devKey;
    QueuedThreadPool threads = new QueuedThreadPool();
    threads.setName("local-http");
    threads.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor()); // handlers block: on virtual threads
    this.server = new Server(threads);
    HttpConfiguration config = new HttpConfiguration();
    config.setRequestHeaderSize(MAX_HEADER_BYTES);
    config.setSendServerVersion(false);
    config.setSendXPoweredBy(false);
    this.connector = new ServerConnector(server, new HttpConnectionFactory(config));
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    server.setHandler(new Handler.Abstract() {
      @Override
      public boolean handle(Request request, Response response, Callback callback) {
        serve(request, response, callback);
        return true;
      }
    });
    server.setErrorHandler(new JsonErrors());
    try { // bind now: a port in use is reported by the constructor
      connector.open();
    } catch (IOException e) {
      throw e.getCause() instanceof java.net.BindException bind ? bind : e;
    }
  }

  /** Routes for which this server plays API Gateway's JWT authorizer, and how it verifies tokens. */
  void requireUser(java.util.function.Predicate<String> path, LocalJwtAuthorizer authorizer) {
    this.userAuthPath = path;
    this.authorizer = authorizer;
  }

  /** A second app served under a path prefix: its handler, and its routes that need a user's JWT. */
  private record Mount(String prefix, RequestStreamHandler handler, java.util.function.Predicate<String> userAuthPath) {}

  private volatile Mount mounted;

  /**
   * Serves every path under {@code prefix} (e.g. {@code /version-test}) from {@code handler}, as if
   * its own API Gateway received it without the prefix; {@code userAuthPath} names its routes that
   * need a user's JWT (checked with the same authorizer).
   */
  void mount(String prefix, RequestStreamHandler handler, java.util.function.Predicate<String> userAuthPath) {
    this.mounted = new Mount(prefix, handler, userAuthPath);
  }

  /** Serves {@code GET path} from the runner itself (not the Lambda handler): local-only views. */
  public void addLocalRoute(String path, Supplier<Object> body) {
    localRoutes.put(path, body);
  }

  public void start() {
    try {
      server.start();
    } catch (Exception e) {
      throw new IllegalStateException("the local HTTP server did not start: " + e.getMessage(), e);
    }
  }

  public int port() {
    return connector.getLocalPort() > 0 ? connector.getLocalPort() : connector.getPort();
  }

  private void serve(Request request, Response response, Callback callback) {
    try {
      String path = request.getHttpURI().getPath();
      String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
      Supplier<Object> local = localRoutes.get(path);
      if (local != null && request.getMethod().equals("GET")) {
        boolean allowed = authorization != null && java.security.MessageDigest.isEqual(
            ("Bearer " + devKey).getBytes(StandardCharsets.UTF_8), authorization.getBytes(StandardCharsets.UTF_8));
        byte[] bytes = allowed ? Json.MAPPER.writeValueAsBytes(local.get())
            : JsonErrors.body("unauthorized", "Send the dev API key as 'Authorization: Bearer <key>'");
        write(response, callback, allowed ? 200 : 401, Map.of("content-type", "application/json"), bytes);
        return;
      }
      RequestStreamHandler target = handler;
      java.util.function.Predicate<String> needsUser = userAuthPath;
      Mount m = mounted;
      if (m != null && (path.equals(m.prefix()) || path.startsWith(m.prefix() + "/"))) {
        path = path.substring(m.prefix().length());
        path = path.isEmpty() ? "/" : path;
        target = m.handler();
        needsUser = m.userAuthPath();
      }
      if (request.getLength() > HttpApi.MAX_BODY_BYTES) { // refused before reading, as API Gateway refuses it
        write(response, callback, 413, Map.of("content-type", "application/json"), ApiResponse.error(413, "body_too_large",
            "Request body is larger than the " + HttpApi.MAX_BODY_BYTES / 1024 + " KiB limit").body().getBytes(StandardCharsets.UTF_8));
        return;
      }
      byte[] body;
      try {
        body = readCapped(Content.Source.asInputStream(request));
      } catch (IOException cutShort) { // the client sent less than its Content-Length, or stopped sending
        write(response, callback, 400, Map.of("content-type", "application/json"), JsonErrors.body("bad_request",
            "The request body ended before its Content-Length, or stopped arriving"));
        return;
      }
      Map<String, Object> event = event(request, path, new String(body, StandardCharsets.UTF_8));
      if (!isUtf8(body)) { // as API Gateway passes bytes that are not text: base64, for the handler to refuse
        event.put("body", java.util.Base64.getEncoder().encodeToString(body));
        event.put("isBase64Encoded", true);
      }
      if (needsUser.test(path)) {
        var claims = authorizer.claims(authorization);
        if (claims.isEmpty()) { // what API Gateway's JWT authorizer answers, before any function runs
          write(response, callback, 401, Map.of("content-type", "application/json", "www-authenticate", "Bearer"),
              "{\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
          return;
        }
        event = HttpApiEvents.withClaims(event, claims.get());
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      target.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)), out, null);
      JsonNode answer = Json.MAPPER.readTree(out.toByteArray());
      Map<String, String> headers = new LinkedHashMap<>();
      answer.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey(), h.getValue().asText()));
      write(response, callback, answer.path("statusCode").asInt(500), headers,
          answer.path("body").asText("").getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      // the handler never throws for bad input; this is a runner fault (or a client gone), still answered as JSON
      write(response, callback, 500, Map.of("content-type", "application/json"),
          JsonErrors.body("internal_error", "local runner error"));
    }
  }

  private static void write(Response response, Callback callback, int status, Map<String, String> headers, byte[] body) {
    response.setStatus(status);
    headers.forEach((k, v) -> response.getHeaders().put(k, v));
    response.write(true, ByteBuffer.wrap(body), callback);
  }

  private static boolean isUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Reads at most one byte more than the API accepts, so the API itself answers 413; the rest is
   * never read (the server closes a connection whose request it did not read to the end).
   */
  private static byte[] readCapped(InputStream in) throws IOException {
    return in.readNBytes(HttpApi.MAX_BODY_BYTES + 1);
  }

  /** The API Gateway HTTP API payload-2.0 event for this request. */
  static Map<String, Object> event(Request request, String body) {
    return event(request, request.getHttpURI().getPath(), body);
  }

  /** The event of {@code request} as API Gateway would send it for {@code path}. */
  static Map<String, Object> event(Request request, String path, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (HttpField field : request.getHeaders()) {
      // API Gateway joins repeated headers with commas, under lower-case names
      headers.merge(field.getLowerCaseName(), field.getValue(), (a, b) -> a + "," + b);
    }
    Instant now = Instant.now();
    return HttpApiEvents.event(request.getMethod(), path, request.getHttpURI().getQuery(), headers,
        body, Request.getRemoteAddr(request), Ids.newId(now), now);
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /**
   * Every answer the HTTP layer itself gives — to a request it could not parse, or to a fault — in
   * the API's error shape, with a message of ours (the parser's own words name its internals).
   */
  static final class JsonErrors extends ErrorHandler {
    /** The API's own error body ({@link ApiResponse#error}), as bytes. */
    static byte[] body(String code, String message) {
      return ApiResponse.error(400, code, message).body().getBytes(StandardCharsets.UTF_8);
    }

    static byte[] forStatus(int status) {
      return switch (status) {
        case 400 -> body("bad_request", "The request is not valid HTTP: its request line, URI or headers are malformed");
        case 413 -> body("body_too_large", "The request is too large");
        case 426 -> body("upgrade_required", "Use HTTP/1.1");
        case 414 -> body("uri_too_long", "The request URI is too long (the request line and headers may have "
            + MAX_HEADER_BYTES + " bytes)");
        case 431 -> body("headers_too_large", "The request's headers are too many or too large: the request line and "
            + "headers may have " + MAX_HEADER_BYTES + " bytes, as on API Gateway");
        case 505 -> body("http_version_not_supported", "Use HTTP/1.1");
        default -> body(status >= 500 ? "internal_error" : "bad_request", "The request could not be served (HTTP " + status + ")");
      };
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
      fields.put(HttpHeader.CONTENT_TYPE, "application/json");
      return ByteBuffer.wrap(forStatus(status));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      int status = response.getStatus() > 0 ? response.getStatus() : 500;
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
      response.write(true, ByteBuffer.wrap(forStatus(status)), callback);
      return true;
    }
  }
}
