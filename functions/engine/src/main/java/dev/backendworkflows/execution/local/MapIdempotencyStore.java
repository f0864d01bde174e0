package dev.backendworkflows.execution.local;

import dev.backendworkflows.execution.IdempotencyRecord;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link IdempotencyStore} over a concurrent map of JSON strings; a claim is compare-and-set. Every
 * {@link #PURGE_EVERY} claims it drops the records that have expired, as TTL does on DynamoDB, so it
 * holds only the keys of its expiry window.
 */
public final class MapIdempotencyStore implements IdempotencyStore {
  static final int PURGE_EVERY = 1_000;
  private final ConcurrentMap<String, String> map;
  private final java.util.concurrent.atomic.AtomicLong claims = new java.util.concurrent.atomic.AtomicLong();

  public MapIdempotencyStore(ConcurrentMap<String, String> map) {
    this.map = map;
  }

  public MapIdempotencyStore() {
    this(new ConcurrentSkipListMap<>());
  }

  @Override
  public Optional<IdempotencyRecord> get(String key) {
    return Optional.ofNullable(map.get(key)).map(s -> Json.read(s, IdempotencyRecord.class));
  }

  @Override
  public boolean claim(IdempotencyRecord record, Instant now) {
    if (claims.incrementAndGet() % PURGE_EVERY == 0) {
      map.forEach((key, stored) -> {
        if (!Json.read(stored, IdempotencyRecord.class).liveAt(now)) {
          map.remove(key, stored);
        }
      });
    }
    String json = Json.write(record);
    while (true) {
      String before = map.get(record.key());
      if (before == null) {
        if (map.putIfAbsent(record.key(), json) == null) {
          return true;
        }
        continue;
      }
      if (Json.read(before, IdempotencyRecord.class).liveAt(now)) {
        return false;
      }
      if (map.replace(record.key(), before, json)) {
        return true;
      }
    }
  }
}
