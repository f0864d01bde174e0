package dev.backendworkflows.outbound;

import java.time.Duration;
import java.util.Map;

/** Port: calls external HTTP APIs for {@code api_call}. Adapter: {@link JdkOutboundHttp} (Lambda and local alike). */
public interface OutboundHttp {
  /** Responses larger than this are refused rather than held in memory and the run log. */
  int MAX_RESPONSE_BYTES = 1024 * 1024;

  /**
   * A request: method, absolute http(s) URL with its query, headers, body (or null), timeout, the
   * URL as messages may show it (secret query values masked), and the names of headers that carry
   * secrets (dropped when a redirect leads to another origin).
   */
  record Request(String method, String url, Map<String, String> headers, String body, Duration timeout, String shownUrl,
      java.util.Set<String> secretHeaders) {
    public Request {
      secretHeaders = secretHeaders == null ? java.util.Set.of() : java.util.Set.copyOf(secretHeaders);
    }

    public Request(String method, String url, Map<String, String> headers, String body, Duration timeout) {
      this(method, url, headers, body, timeout, url, java.util.Set.of());
    }

    @Override
    public String toString() { // never the headers: they may carry secrets
      return method + " " + shownUrl;
    }
  }

  /** A response: status, headers (lower-case names, first value), body text. */
  record Response(int status, Map<String, String> headers, String body) {}

  /**
   * Sends the request. Any HTTP status is a response, not an error.
   *
   * @throws dev.backendworkflows.exceptions.ActionException {@code destination_not_allowed} when the
   *     destination (or a redirect's) is refused by policy, with no connection made; {@code api_call_failed}
   *     when no response came (refused, unreachable, timed out); {@code response_too_large} above
   *     {@link #MAX_RESPONSE_BYTES}; {@code invalid_argument} for a malformed URL or header. Messages
   *     show the URL only as {@link Request#shownUrl()}.
   */
  Response send(Request request);
}
