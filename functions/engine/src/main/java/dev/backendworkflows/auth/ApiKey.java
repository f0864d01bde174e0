package dev.backendworkflows.auth;

import java.time.Instant;
import java.util.List;

/**
 * A stored API key: only its SHA-256 hash is kept. Its scope: {@code admin} keys may call every
 * workflow and the admin routes (run logs, schedules, batches); other keys may call the workflows
 * in {@code workflows}, or every workflow when that list is empty.
 */
public record ApiKey(String keyHash, String name, boolean admin, Instant createdAt, List<String> workflows) {
  public ApiKey {
    workflows = workflows == null ? List.of() : List.copyOf(workflows);
  }

  public ApiKey(String keyHash, String name, boolean admin, Instant createdAt) {
    this(keyHash, name, admin, createdAt, List.of());
  }

  /** Whether this key may call {@code workflow}. */
  public boolean mayCall(String workflow) {
    return admin || workflows.isEmpty() || workflows.contains(workflow);
  }

  /** The scope in words: {@code admin}, {@code all workflows}, or the list. */
  public String scope() {
    return scope(admin, workflows);
  }

  /** The scope of a key with these settings, in words. */
  public static String scope(boolean admin, List<String> workflows) {
    return admin ? "admin" : workflows.isEmpty() ? "all workflows" : String.join(", ", workflows);
  }
}
