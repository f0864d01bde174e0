package dev.backendworkflows.execution;

import java.time.Instant;

/**
 * An idempotency key in use: {@code key} (a hash of caller, workflow and the key the caller gave),
 * the run it started, a hash of the request it came with, and when it may be used afresh.
 */
public record IdempotencyRecord(String key, String runId, String requestHash, Instant expiresAt) {
  /** True while the key still binds to its run. */
  public boolean liveAt(Instant now) {
    return expiresAt.isAfter(now);
  }
}
