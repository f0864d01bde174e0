package dev.backendworkflows.outbound;

import java.time.Duration;
import java.util.Map;

/** Port: calls external HTTP APIs for {@code api_call}. Adapter: {@link JdkOutboundHttp} (Lambda and local alike). */
public interface OutboundHttp {
  /** Responses larger than this are refused rather than held in memory and the run log. */
  int MAX_RESPONSE_BYTES = 1024 * 1024;

  /**
   * A request: method, absolute http(s) URL with its query, headers, body (or null), timeout, and
   * the URL as messages may show it (secret query values masked).
   */
  record Request(String method, String url, Map<String, String> headers, String body, Duration timeout, String shownUrl) {
    public Request(String method, String url, Map<String, String> headers, String body, Duration timeout) {
      this(method, url, headers, body, timeout, url);
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
   * @throws dev.backendworkflows.exceptions.ActionException {@code api_call_failed} when no response
   *     came (refused, unreachable, timed out), {@code response_too_large} above {@link #MAX_RESPONSE_BYTES}
   */
  Response send(Request request);
}
