package dev.backendworkflows.engine.actions;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.outbound.OutboundHttp;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code api_call}: Bubble's API Connector call from a workflow. */
public final class ApiActions {
  static final int DEFAULT_TIMEOUT_MS = 10_000;
  /** The header that makes a repeated request safe on APIs that honour it. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private ApiActions() {}

  public static List<Action> all() {
    return List.of(new ApiCall());
  }

  /**
   * Calls {@code url} with {@code method} (default GET), {@code query}, {@code headers} and
   * {@code body} (objects and lists are sent as JSON). A header or query value may be
   * {@code {secret: name, prefix: "Bearer "}}: the secret is fetched and placed into this request
   * only, and masked in any message. The result is {@code {status, headers, body}}
   * with a JSON body parsed; any status is a result — the workflow decides what a 404 means —
   * while no response at all fails the step. Every request but GET and HEAD carries an
   * {@code Idempotency-Key} header derived from (run, step): a step repeated after a crash sends
   * the same key, so an API that honours the header (Stripe's convention) acts once. The step's
   * {@code idempotency_key} sets another value, or {@code false} sends none; a header of that name
   * given in {@code headers} wins. The key sent is in the result and, while the step runs, in
   * {@code $step.idempotency_key}.
   */
  static final class ApiCall implements Action {
    public String name() {
      return "api_call";
    }

    public Object execute(ActionContext ctx) {
      String url = ctx.text("url");
      if (!url.startsWith("https://") && !url.startsWith("http://")) {
        throw new ActionException("invalid_argument", "'url' must be an http(s) URL, got " + url);
      }
      StringBuilder full = new StringBuilder(url);
      StringBuilder shown = new StringBuilder(url);
      ctx.object("query").forEach((k, v) -> {
        if (v != null) {
          String sep = full.indexOf("?") < 0 ? "?" : "&";
          String key = URLEncoder.encode(k, StandardCharsets.UTF_8);
          full.append(sep).append(key).append('=').append(URLEncoder.encode(value(ctx, v), StandardCharsets.UTF_8));
          shown.append(sep).append(key).append('=').append(isSecret(v) ? "***" : URLEncoder.encode(value(ctx, v), StandardCharsets.UTF_8));
        }
      });
      Map<String, String> headers = new LinkedHashMap<>();
      ctx.object("headers").forEach((k, v) -> headers.put(k, value(ctx, v)));
      Object bodyValue = ctx.arg("body");
      String body = null;
      if (bodyValue instanceof String s) {
        body = s;
      } else if (bodyValue != null) {
        body = Json.write(bodyValue);
        headers.putIfAbsent("Content-Type", "application/json");
      }
      String method = ctx.has("method") ? ctx.text("method").toUpperCase(Locale.ROOT) : "GET";
      String key = idempotencyKey(ctx, method, headers);
      if (key != null) {
        headers.put(IDEMPOTENCY_KEY, key);
      }
      Object timeout = ctx.arg("timeout_ms");
      if (timeout != null && (!(timeout instanceof Number t) || t.longValue() < 1 || t.longValue() > 30_000)) {
        throw new ActionException("invalid_argument", "'timeout_ms' must be from 1 to 30000, got " + timeout);
      }
      OutboundHttp.Response r = ctx.services().http().send(new OutboundHttp.Request(method, full.toString(), headers, body,
          Duration.ofMillis(timeout instanceof Number n ? n.longValue() : DEFAULT_TIMEOUT_MS), shown.toString()));
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("status", r.status());
      result.put("headers", r.headers());
      result.put("body", parse(r));
      if (key != null) {
        result.put("idempotency_key", key);
      }
      return result;
    }

    /** The key to send: none for GET and HEAD, none when turned off or set by a header; else the step's. */
    private static String idempotencyKey(ActionContext ctx, String method, Map<String, String> headers) {
      if (method.equals("GET") || method.equals("HEAD")
          || headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase(IDEMPOTENCY_KEY))) {
        return null;
      }
      Object setting = ctx.arg("idempotency_key");
      if (Boolean.FALSE.equals(setting)) {
        return null;
      }
      if (setting == null || setting instanceof Boolean) {
        return ctx.idempotencyKey();
      }
      String key = setting instanceof String s ? s : dev.backendworkflows.internal.Json.write(setting);
      if (key.isBlank() || key.length() > 255) {
        throw new ActionException("invalid_argument", "'idempotency_key' must be 1 to 255 characters, or false; got "
            + key.length() + " characters");
      }
      return key;
    }

    private static boolean isSecret(Object v) {
      return v instanceof Map<?, ?> m && m.get("secret") instanceof String;
    }

    /** A header or query value: as written, or a secret's value (with its prefix) fetched just now. */
    private static String value(ActionContext ctx, Object v) {
      if (isSecret(v)) {
        Map<?, ?> m = (Map<?, ?>) v;
        Object prefix = m.get("prefix");
        return (prefix == null ? "" : prefix.toString()) + ctx.services().secrets().get((String) m.get("secret"));
      }
      return v instanceof String s ? s : Json.write(v);
    }

    private static Object parse(OutboundHttp.Response r) {
      String type = r.headers().getOrDefault("content-type", "");
      if (type.contains("json") && !r.body().isBlank()) {
        try {
          return Json.plain(Json.tree(r.body()));
        } catch (RuntimeException notJson) {
          return r.body();
        }
      }
      return r.body();
    }
  }
}
