package dev.backendworkflows.execution.local;

import dev.backendworkflows.execution.IdempotencyRecord;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link IdempotencyStore} over a concurrent map of JSON strings; a claim is compare-and-set. */
public final class MapIdempotencyStore implements IdempotencyStore {
  private final ConcurrentMap<String, String> map;

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
