package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.execution.local.MapIdempotencyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;

class MapIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore newStore() {
    return new MapIdempotencyStore();
  }

  @Test
  void claim_manyKeysOverTime_dropsTheExpiredAndKeepsTheLive() {
    ConcurrentSkipListMap<String, String> map = new ConcurrentSkipListMap<>();
    MapIdempotencyStore store = new MapIdempotencyStore(map);
    Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
    for (int i = 0; i < 1_500; i++) { // the first 500 expire an hour in; the purge runs at the 1,000th and 2,000th claim
      store.claim(new IdempotencyRecord("old-" + i, "r", "h", t0.plus(Duration.ofHours(1))), t0);
    }
    Instant later = t0.plus(Duration.ofHours(2));
    for (int i = 0; i < 500; i++) {
      store.claim(new IdempotencyRecord("new-" + i, "r", "h", later.plus(Duration.ofHours(24))), later);
    }
    assertThat(map.keySet()).allMatch(k -> k.startsWith("new-")).hasSize(500);
    assertThat(store.get("new-0")).isPresent();
  }
}
