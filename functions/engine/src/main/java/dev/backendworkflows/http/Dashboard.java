package dev.backendworkflows.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The dashboard's files (plain HTML, JS and CSS in the artifact's {@code dashboard/}), served at
 * {@code /dashboard}. They hold no data: every view reads the admin API with the key the user
 * enters, which the page keeps in the browser's session storage, never in a URL.
 */
final class Dashboard {
  private static final Pattern FILE = Pattern.compile("^[a-z0-9-]+\\.(html|js|css|svg)$");
  private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

  private Dashboard() {}

  static ApiResponse page(String path) {
    if (path.equals("/dashboard")) {
      // to a file, so relative links (app.js, ../runs) resolve from the folder, also under /version-test/;
      // a file is a path API Gateway routes as /dashboard/{file}, which a bare trailing slash may not be
      return new ApiResponse(308, Map.of("location", "dashboard/index.html", "content-type", "application/json"),
          "{\"location\":\"dashboard/index.html\"}");
    }
    String file = path.equals("/dashboard/") ? "index.html" : path.substring("/dashboard/".length());
    if (!FILE.matcher(file).matches()) {
      return ApiResponse.error(404, "not_found", "No dashboard file " + path);
    }
    try (InputStream in = Dashboard.class.getResourceAsStream("/dashboard/" + file)) {
      if (in == null) {
        return ApiResponse.error(404, "not_found", "No dashboard file " + path);
      }
      String type = TYPES.get(file.substring(file.lastIndexOf('.') + 1));
      return new ApiResponse(200, Map.of("content-type", type, "cache-control", "no-cache",
          "content-security-policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
          "x-content-type-options", "nosniff", "referrer-policy", "no-referrer"),
          new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
