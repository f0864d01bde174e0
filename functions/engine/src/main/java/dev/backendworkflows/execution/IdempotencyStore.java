package dev.backendworkflows.execution;

import java.time.Instant;
import java.util.Optional;

/**
 * Port: idempotency keys of {@code POST /wf/{name}}, each bound to the run it started for a while.
 * Adapters: {@code DynamoDbIdempotencyStore} (in the Runs table, with its TTL) and
 * {@link dev.backendworkflows.execution.local.MapIdempotencyStore}.
 */
public interface IdempotencyStore {

  /** @return the record of {@code key}, live or expired, or empty when there is none. */
  Optional<IdempotencyRecord> get(String key);

  /**
   * Stores {@code record} unless a live record (expiring after {@code now}) holds its key, atomically:
   * of two concurrent claims of one key, one wins.
   *
   * @return false when a live record holds the key
   */
  boolean claim(IdempotencyRecord record, Instant now);
}
