package dev.backendworkflows.outbound;

import dev.backendworkflows.exceptions.ActionException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@link OutboundHttp} on the JDK's HTTP client: no extra dependency, fine for Lambda's cold start. */
public final class JdkOutboundHttp implements OutboundHttp {
  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NORMAL).build();

  @Override
  public Response send(Request request) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(request.url())).timeout(request.timeout())
        .method(request.method(), request.body() == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(request.body(), StandardCharsets.UTF_8));
    request.headers().forEach(b::header);
    try {
      HttpResponse<InputStream> r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      byte[] body;
      try (InputStream in = r.body()) {
        body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
      }
      if (body.length > MAX_RESPONSE_BYTES) {
        throw new ActionException("response_too_large", request.method() + " " + request.shownUrl() + " answered more than "
            + MAX_RESPONSE_BYTES / 1024 + " KiB");
      }
      Map<String, String> headers = new LinkedHashMap<>();
      r.headers().map().forEach((k, v) -> {
        if (!k.startsWith(":") && !v.isEmpty()) {
          headers.put(k.toLowerCase(Locale.ROOT), v.getFirst());
        }
      });
      return new Response(r.statusCode(), headers, new String(body, StandardCharsets.UTF_8));
    } catch (HttpTimeoutException e) {
      throw new ActionException("api_call_failed", request.method() + " " + request.shownUrl() + " timed out after "
          + request.timeout().toMillis() + " ms", e);
    } catch (IOException e) {
      throw new ActionException("api_call_failed", request.method() + " " + request.shownUrl() + " failed: "
          + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ActionException("api_call_failed", request.method() + " " + request.shownUrl() + " was interrupted", e);
    }
  }
}
