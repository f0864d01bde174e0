package dev.backendworkflows.http;

import java.util.Map;

/**
 * An HTTP request as the API sees it; header names are lower-case (as API Gateway HTTP APIs deliver
 * them). {@code claims} are the JWT claims API Gateway's authorizer verified (empty when none).
 */
public record ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query,
    String body, String requestId, Map<String, Object> claims) {
  public ApiRequest {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    query = query == null ? Map.of() : Map.copyOf(query);
    claims = claims == null ? Map.of() : Map.copyOf(claims);
  }

  public ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query, String body,
      String requestId) {
    this(method, path, headers, query, body, requestId, Map.of());
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }
}
