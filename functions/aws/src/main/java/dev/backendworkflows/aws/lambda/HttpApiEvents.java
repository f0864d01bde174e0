package dev.backendworkflows.aws.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Maps API Gateway HTTP API (payload format 2.0) events to {@link ApiRequest} and responses back. */
public final class HttpApiEvents {
  private static final DateTimeFormatter EVENT_TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT);
  private HttpApiEvents() {}

  /** @throws IllegalArgumentException when the event is not a payload-2.0 HTTP API event */
  public static ApiRequest request(JsonNode event) {
    JsonNode http = event.path("requestContext").path("http");
    if (!"2.0".equals(event.path("version").asText()) || !http.has("method")) {
      throw new IllegalArgumentException("expected an API Gateway HTTP API event with payload format version 2.0");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    event.path("headers").fields().forEachRemaining(h -> headers.put(h.getKey().toLowerCase(Locale.ROOT), h.getValue().asText()));
    Map<String, String> query = new LinkedHashMap<>();
    event.path("queryStringParameters").fields().forEachRemaining(q -> query.put(q.getKey(), q.getValue().asText()));
    String body = event.hasNonNull("body") ? event.get("body").asText() : null;
    boolean notUtf8 = false;
    if (body != null && event.path("isBase64Encoded").asBoolean(false)) {
      try { // strictly: a byte that is not UTF-8 is an error, never a replacement character
        body = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
            .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
            .decode(java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(body))).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        body = null;
        notUtf8 = true;
      }
    }
    String path = event.hasNonNull("rawPath") ? event.get("rawPath").asText() : http.path("path").asText("/");
    JsonNode claims = event.path("requestContext").path("authorizer").path("jwt").path("claims");
    return new ApiRequest(http.get("method").asText().toUpperCase(Locale.ROOT), path, headers, query, body,
        event.path("requestContext").path("requestId").asText(null),
        claims.isObject() ? dev.backendworkflows.internal.Json.object(claims) : Map.of(), notUtf8);
  }

  /**
   * Builds the payload-2.0 event API Gateway sends for a request: what the local runner passes to
   * the handler and what the sample events in {@code events/} contain.
   */
  public static Map<String, Object> event(String method, String rawPath, String rawQuery, Map<String, String> headers,
      String body, String sourceIp, String requestId, Instant time) {
    Map<String, String> lowerHeaders = new LinkedHashMap<>();
    headers.forEach((k, v) -> lowerHeaders.put(k.toLowerCase(Locale.ROOT), v));
    Map<String, String> query = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        String[] kv = pair.split("=", 2);
        query.merge(decoded(kv[0]), kv.length > 1 ? decoded(kv[1]) : "", (a, b) -> a + "," + b);
      }
    }
    Map<String, Object> http = new LinkedHashMap<>();
    http.put("method", method.toUpperCase(Locale.ROOT));
    http.put("path", rawPath);
    http.put("protocol", "HTTP/1.1");
    http.put("sourceIp", sourceIp);
    http.put("userAgent", lowerHeaders.getOrDefault("user-agent", ""));
    Map<String, Object> context = new LinkedHashMap<>();
    context.put("accountId", "000000000000");
    context.put("apiId", "local");
    context.put("domainName", lowerHeaders.getOrDefault("host", "localhost"));
    context.put("http", http);
    context.put("requestId", requestId);
    context.put("routeKey", "$default");
    context.put("stage", "$default");
    context.put("time", EVENT_TIME.format(time.atOffset(ZoneOffset.UTC)));
    context.put("timeEpoch", time.toEpochMilli());
    Map<String, Object> event = new LinkedHashMap<>();
    event.put("version", "2.0");
    event.put("routeKey", "$default");
    event.put("rawPath", rawPath);
    event.put("rawQueryString", rawQuery == null ? "" : rawQuery);
    event.put("headers", lowerHeaders);
    if (!query.isEmpty()) {
      event.put("queryStringParameters", query);
    }
    event.put("requestContext", context);
    if (body != null && !body.isEmpty()) {
      event.put("body", body);
    }
    event.put("isBase64Encoded", false);
    return event;
  }

  /** A query part URL-decoded; one with a broken escape ({@code %zz}, a lone {@code %}) is passed as it came. */
  private static String decoded(String part) {
    try {
      return URLDecoder.decode(part, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException brokenEscape) {
      return part;
    }
  }

  /** The event as API Gateway's JWT authorizer passes it on: with the verified token's claims. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> withClaims(Map<String, Object> event, Map<String, Object> claims) {
    Map<String, Object> out = new LinkedHashMap<>(event);
    Map<String, Object> context = new LinkedHashMap<>((Map<String, Object>) event.get("requestContext"));
    context.put("authorizer", Map.of("jwt", Map.of("claims", claims, "scopes", java.util.List.of())));
    out.put("requestContext", context);
    return out;
  }

  /** The payload-2.0 response object API Gateway expects. */
  public static Map<String, Object> response(ApiResponse response) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("statusCode", response.status());
    out.put("headers", response.headers());
    out.put("body", response.body());
    out.put("isBase64Encoded", false);
    return out;
  }
}
