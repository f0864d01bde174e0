package dev.backendworkflows.outbound;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.internal.StructuredLog;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@link OutboundHttp} on the JDK's HTTP client: no extra dependency, fine for Lambda's cold start.
 * Every destination — the first and each redirect, followed here, up to {@value #MAX_REDIRECTS} —
 * is checked against the {@link OutboundPolicy} after its name is resolved and before any
 * connection is made; while the call is under way the name stays pinned to the addresses just
 * checked ({@link PinnedNames}), so the client connects to one of them even if DNS answers
 * differently the second time. A redirect to another origin drops the headers that carried secrets
 * and credentials.
 */
public final class JdkOutboundHttp implements OutboundHttp {
  static final int MAX_REDIRECTS = 5;
  /** Built on the first call (about 0.15 s of class loading): most functions never call out, and their cold start should not pay. */
  private volatile HttpClient client;
  private final OutboundPolicy policy;

  public JdkOutboundHttp(OutboundPolicy policy) {
    this.policy = policy;
    PinnedNames.installed(); // loads the class, whose first lookup makes the JVM choose its resolver now, at start
  }

  /** Public destinations only. */
  public JdkOutboundHttp() {
    this(OutboundPolicy.PUBLIC_ONLY);
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        if (client == null) {
          // no proxy: a proxy would resolve the name itself, past the check and the pin
          client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
              .followRedirects(HttpClient.Redirect.NEVER).proxy(HttpClient.Builder.NO_PROXY).build();
        }
        c = client;
      }
    }
    return c;
  }

  @Override
  public Response send(Request request) {
    URI uri;
    try {
      uri = URI.create(request.url());
    } catch (IllegalArgumentException e) { // its message would carry the whole URL, secrets included
      throw new ActionException("invalid_argument", "'url' is not a valid URL: " + request.shownUrl());
    }
    String method = request.method();
    String body = request.body();
    Map<String, String> headers = new LinkedHashMap<>(request.headers());
    String origin = origin(uri);
    for (int hop = 0; ; hop++) {
      InetAddress[] checked = check(uri, request.shownUrl());
      HttpResponse<InputStream> r;
      try (PinnedNames.Handle pinned = PinnedNames.pin(uri.getHost(), checked)) {
        r = exchange(uri, method, headers, body, request);
      }
      String location = r.headers().firstValue("location").orElse(null);
      if (isRedirect(r.statusCode()) && location != null && hop < MAX_REDIRECTS) {
        close(r);
        try {
          uri = uri.resolve(location.strip());
        } catch (IllegalArgumentException e) {
          throw new ActionException("api_call_failed", request + " redirected to an invalid URL");
        }
        if (r.statusCode() == 303 || (r.statusCode() <= 302 && method.equals("POST"))) {
          method = "GET";
          body = null;
          headers.keySet().removeIf(h -> h.equalsIgnoreCase("content-type"));
        }
        if (!origin(uri).equals(origin)) {
          headers.keySet().removeIf(h -> request.secretHeaders().contains(h) || CREDENTIALS.contains(h.toLowerCase(Locale.ROOT)));
        }
        continue;
      }
      return read(r, request);
    }
  }

  private static final Set<String> CREDENTIALS = Set.of("authorization", "cookie", "proxy-authorization");

  private static boolean isRedirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  }

  private static String origin(URI uri) {
    return (uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort()).toLowerCase(Locale.ROOT);
  }

  /**
   * Refuses a destination before any connection: a scheme other than http(s), credentials in the
   * URL, a host outside the allowed ones, or a name that resolves to any non-public address.
   */
  private InetAddress[] check(URI uri, String shown) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new ActionException("destination_not_allowed", "only http and https URLs are called; not " + shown);
    }
    if (uri.getRawUserInfo() != null) {
      throw new ActionException("destination_not_allowed", "URLs with credentials before the host (user@host) are refused; "
          + "send credentials in a header");
    }
    String host = uri.getHost();
    if (host == null || host.isBlank()) {
      throw new ActionException("invalid_argument", "'url' has no host: " + shown);
    }
    if (!policy.hostAllowed(host)) {
      throw new ActionException("destination_not_allowed", "host " + host + " is not among the allowed hosts ("
          + OutboundPolicy.ENV_ALLOWED_HOSTS + ")");
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException e) {
      throw new ActionException("api_call_failed", "cannot resolve host " + host);
    }
    for (InetAddress a : addresses) {
      if (!policy.addressAllowed(a)) {
        throw new ActionException("destination_not_allowed", "host " + host + " is not a public address (loopback, private, "
            + "link-local, metadata and other special addresses are refused; the local runner's --allow-private-outbound allows them)");
      }
    }
    if (!PinnedNames.installed()) { // without the pin the client would resolve the name again: refuse rather than trust DNS twice
      StructuredLog.write("ERROR", "api_call refused: the JVM did not load " + PinningResolverProvider.class.getName()
          + " (META-INF/services), so the address checked could not be kept for the connection", Map.of());
      throw new ActionException("destination_not_allowed", "outbound calls are off in this function: it cannot keep a host "
          + "name to the addresses it checked (see the function's log)");
    }
    return addresses;
  }


  private HttpResponse<InputStream> exchange(URI uri, String method, Map<String, String> headers, String body, Request request) {
    HttpRequest.Builder b;
    try {
      b = HttpRequest.newBuilder(uri).timeout(request.timeout()).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      headers.forEach(b::header);
    } catch (IllegalArgumentException e) { // never its message: a header value may be a secret
      throw new ActionException("invalid_argument", "a header name or value of " + request + " is not allowed in HTTP "
          + "(names: " + String.join(", ", headers.keySet()) + ")");
    }
    try {
      return client().send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException e) {
      throw new ActionException("api_call_failed", request + " timed out after " + request.timeout().toMillis() + " ms");
    } catch (IOException e) {
      throw new ActionException("api_call_failed", request + " failed: no answer (" + e.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ActionException("api_call_failed", request + " was interrupted");
    }
  }

  private static void close(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      in.readNBytes(64 * 1024);
    } catch (IOException ignored) {
      // the redirect's own body is of no interest
    }
  }

  private static Response read(HttpResponse<InputStream> r, Request request) {
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
    } catch (IOException e) {
      throw new ActionException("api_call_failed", request + " failed while reading the answer (" + e.getClass().getSimpleName() + ")");
    }
    if (body.length > MAX_RESPONSE_BYTES) {
      throw new ActionException("response_too_large", request + " answered more than " + MAX_RESPONSE_BYTES / 1024 + " KiB");
    }
    Map<String, String> headers = new LinkedHashMap<>();
    r.headers().map().forEach((k, v) -> {
      if (!k.startsWith(":") && !v.isEmpty()) {
        headers.put(k.toLowerCase(Locale.ROOT), v.getFirst());
      }
    });
    return new Response(r.statusCode(), headers, new String(body, StandardCharsets.UTF_8));
  }
}
