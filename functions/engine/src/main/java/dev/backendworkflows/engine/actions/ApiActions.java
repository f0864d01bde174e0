package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
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
import java.util.Set;

/** {@code api_call}: Bubble's API Connector call from a workflow. */
public final class ApiActions {
  /** The secret values one step resolved, and their masking wherever a value leaves the step. */
  static final class Secrets {
    private final java.util.Set<String> values = new java.util.LinkedHashSet<>();

    String resolve(ActionContext ctx, Map<?, ?> ref) {
      String value = ctx.services().secrets().get((String) ref.get("secret"));
      if (!value.isEmpty()) {
        values.add(value);
        values.add(URLEncoder.encode(value, StandardCharsets.UTF_8));
      }
      Object prefix = ref.get("prefix");
      return (prefix == null ? "" : prefix.toString()) + value;
    }

    String mask(String text) {
      String out = text;
      for (String v : values) {
        out = out.replace(v, "***");
      }
      return out;
    }

    /** {@code value} with every secret replaced in each text it holds. */
    @SuppressWarnings("unchecked")
    <T> T mask(T value) {
      if (values.isEmpty()) {
        return value;
      }
      if (value instanceof String s) {
        return (T) mask(s);
      }
      if (value instanceof Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(mask(String.valueOf(k)), mask(v)));
        return (T) out;
      }
      if (value instanceof List<?> l) {
        return (T) l.stream().map(this::mask).toList();
      }
      return value;
    }
  }

  static final int DEFAULT_TIMEOUT_MS = 10_000;
  /** The header that makes a repeated request safe on APIs that honour it. */
  public static final String IDEMPOTENCY_KEY = "Idempotency-Key";

  private ApiActions() {}

  public static List<Action> all() {
    return List.of(new ApiCall());
  }

  /**
   * Calls {@code url} with {@code method} (default GET), {@code query}, {@code headers} and
   * {@code body} (objects and lists are sent as JSON). A header or query value written in the
   * definition as {@code {secret: name, prefix: "Bearer "}} is the secret's value, placed into this
   * request only; a value an expression computes is never taken for a secret reference. Every
   * secret value the step resolved is masked ({@code ***}) in what the step returns and in its
   * errors — also where the API echoes it. The result is {@code {status, headers, body}}
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

    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of();
    }

    public Object execute(ActionContext ctx) {
      String url = ctx.text("url");
      if (!url.startsWith("https://") && !url.startsWith("http://")) {
        throw new ActionException("invalid_argument", "'url' must be an http(s) URL, got " + url);
      }
      Secrets secrets = new Secrets();
      StringBuilder full = new StringBuilder(url);
      StringBuilder shown = new StringBuilder(url);
      Map<?, ?> rawQuery = literal(ctx, "query");
      ctx.object("query").forEach((k, v) -> {
        boolean secret = isSecretRef(rawQuery.get(k));
        String value = secret ? secrets.resolve(ctx, (Map<?, ?>) rawQuery.get(k)) : text(v);
        if (value != null) {
          String sep = full.indexOf("?") < 0 ? "?" : "&";
          String key = URLEncoder.encode(k, StandardCharsets.UTF_8);
          full.append(sep).append(key).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
          shown.append(sep).append(key).append('=').append(secret ? "***" : URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
      });
      Map<?, ?> rawHeaders = literal(ctx, "headers");
      Map<String, String> headers = new LinkedHashMap<>();
      java.util.Set<String> secretHeaders = new java.util.HashSet<>();
      ctx.object("headers").forEach((k, v) -> {
        if (isSecretRef(rawHeaders.get(k))) {
          headers.put(k, secrets.resolve(ctx, (Map<?, ?>) rawHeaders.get(k)));
          secretHeaders.add(k);
        } else if (v != null) {
          headers.put(k, text(v));
        }
      });
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
      OutboundHttp.Response r;
      try {
        r = ctx.services().http().send(new OutboundHttp.Request(method, full.toString(), headers, body,
            Duration.ofMillis(timeout instanceof Number n ? n.longValue() : DEFAULT_TIMEOUT_MS), secrets.mask(shown.toString()),
            secretHeaders));
      } catch (ActionException e) {
        throw new ActionException(e.code(), secrets.mask(e.getMessage()));
      }
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("status", r.status());
      result.put("headers", r.headers());
      result.put("body", parse(r));
      if (key != null) {
        result.put("idempotency_key", key);
      }
      return secrets.mask(result); // an API that echoes the request must not carry a secret into the run
    }

    /** A header or query value as written in the definition (a secret reference must be written there). */
    private static Map<?, ?> literal(ActionContext ctx, String arg) {
      return ctx.step().rawArgs().get(arg) instanceof Map<?, ?> m ? m : Map.of();
    }

    /** A literal {@code {secret: name}} of the definition; an evaluated value is never one. */
    private static boolean isSecretRef(Object raw) {
      return raw instanceof Map<?, ?> m && m.get("secret") instanceof String;
    }

    /** An evaluated header or query value as text: as written, or its JSON. */
    private static String text(Object v) {
      return v == null ? null : v instanceof String s ? s : Json.write(v);
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
