package dev.backendworkflows.aws.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** Maps API Gateway HTTP API (payload format 2.0) events to {@link ApiRequest} and responses back. */
public final class HttpApiEvents {
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
    if (body != null && event.path("isBase64Encoded").asBoolean(false)) {
      body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
    }
    String path = event.hasNonNull("rawPath") ? event.get("rawPath").asText() : http.path("path").asText("/");
    return new ApiRequest(http.get("method").asText().toUpperCase(Locale.ROOT), path, headers, query, body,
        event.path("requestContext").path("requestId").asText(null));
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
