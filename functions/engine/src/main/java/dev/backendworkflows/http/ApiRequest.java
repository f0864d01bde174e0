package dev.backendworkflows.http;

import java.util.Map;

/**
 * An HTTP request as the API sees it; header names are lower-case (as API Gateway HTTP APIs deliver
 * them). {@code claims} are the JWT claims API Gateway's authorizer verified (empty when none).
 * {@code bodyNotUtf8} says the body's bytes were not UTF-8 (then {@code body} is null).
 */
public record ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query,
    String body, String requestId, Map<String, Object> claims, boolean bodyNotUtf8) {
  public ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query, String body,
      String requestId, Map<String, Object> claims) {
    this(method, path, headers, query, body, requestId, claims, false);
  }

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
