package dev.backendworkflows.http;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.runlog.ErrorInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** {@code GET|POST /keys} and {@code DELETE /keys/{name}}: API keys managed with an admin key. */
final class Keys {
  /** What a key's name may be. */
  static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

  private Keys() {}

  static ApiResponse list(ApiKeys keys) {
    return ApiResponse.json(200, Map.of("keys", keys.list().stream().map(Keys::shown).toList()));
  }

  /**
   * Creates a key from {@code {"name", "admin", "workflows"}}; the answer carries the key, once.
   * {@code apiWorkflows} are the workflows a key can call: a scope names some of them, or is left out.
   */
  static ApiResponse create(ApiKeys keys, Object body, java.util.Set<String> apiWorkflows) {
    if (!(body instanceof Map<?, ?> m)) {
      return invalid(List.of(new ErrorInfo.FieldError("(body)", "wrong_type", "expected a JSON object")));
    }
    List<ErrorInfo.FieldError> problems = new ArrayList<>();
    for (Object field : m.keySet()) {
      if (!List.of("name", "admin", "workflows").contains(field)) {
        problems.add(new ErrorInfo.FieldError(String.valueOf(field), "unknown_field", "is not a field of a key (name, admin, workflows)"));
      }
    }
    String name = m.get("name") instanceof String s ? s : null;
    if (name == null || !NAME.matcher(name).matches()) {
      problems.add(new ErrorInfo.FieldError("name", m.get("name") == null ? "required" : "invalid",
          "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"));
    }
    Object admin = m.get("admin");
    if (admin != null && !(admin instanceof Boolean)) {
      problems.add(new ErrorInfo.FieldError("admin", "wrong_type", "expected true or false"));
    }
    List<String> workflows = new ArrayList<>();
    Object scope = m.get("workflows");
    if (scope != null) {
      if (!(scope instanceof List<?> l)) {
        problems.add(new ErrorInfo.FieldError("workflows", "wrong_type", "expected a list of workflow names"));
      } else if (l.isEmpty()) {
        problems.add(new ErrorInfo.FieldError("workflows", "empty", "name at least one workflow, or leave workflows out for a key "
            + "that may call every workflow"));
      } else if (Boolean.TRUE.equals(admin)) {
        problems.add(new ErrorInfo.FieldError("workflows", "not_allowed", "an admin key may call every workflow: leave workflows out"));
      } else {
        for (Object w : l) {
          if (!(w instanceof String s)) {
            problems.add(new ErrorInfo.FieldError("workflows", "wrong_type", "expected workflow names (text), got " + w));
          } else if (!apiWorkflows.contains(s)) {
            problems.add(new ErrorInfo.FieldError("workflows", "unknown_workflow", "'" + s + "' is not an API workflow of this "
                + "deployment; a key calls POST /wf/{name}"));
          } else if (!workflows.contains(s)) {
            workflows.add(s);
          }
        }
      }
    }
    if (!problems.isEmpty()) {
      return invalid(problems);
    }
    if (keys.list().stream().anyMatch(k -> k.name().equals(name))) {
      return ApiResponse.error(409, "key_exists", "An API key named '" + name + "' exists; revoke it first (DELETE /keys/" + name + ")");
    }
    boolean isAdmin = Boolean.TRUE.equals(admin);
    String key = keys.issue(name, isAdmin, workflows);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", key);
    out.put("name", name);
    out.put("admin", isAdmin);
    out.put("workflows", workflows);
    out.put("scope", ApiKey.scope(isAdmin, workflows));
    return ApiResponse.json(201, out);
  }

  static ApiResponse revoke(ApiKeys keys, String name) {
    int n = keys.revoke(name);
    if (n == 0) {
      return ApiResponse.error(404, "key_not_found", "No API key named '" + name + "'");
    }
    return ApiResponse.json(200, Map.of("name", name, "revoked", n));
  }

  private static Map<String, Object> shown(ApiKey k) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", k.name());
    m.put("admin", k.admin());
    m.put("created_at", String.valueOf(k.createdAt()));
    m.put("workflows", k.workflows());
    m.put("scope", k.scope());
    return m;
  }

  private static ApiResponse invalid(List<ErrorInfo.FieldError> problems) {
    return ApiResponse.error(400, new ErrorInfo("invalid_body", problems.size() == 1 ? problems.getFirst().field() + " "
        + problems.getFirst().message() : problems.size() + " fields are invalid", problems), null);
  }
}
