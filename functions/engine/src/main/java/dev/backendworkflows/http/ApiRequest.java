package dev.backendworkflows.http;

import java.util.Map;

/** An HTTP request as the API sees it; header names are lower-case (as API Gateway HTTP APIs deliver them). */
public record ApiRequest(String method, String path, Map<String, String> headers, Map<String, String> query,
    String body, String requestId) {
  public ApiRequest {
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    query = query == null ? Map.of() : Map.copyOf(query);
  }

  public String header(String name) {
    return headers.get(name.toLowerCase(java.util.Locale.ROOT));
  }
}
