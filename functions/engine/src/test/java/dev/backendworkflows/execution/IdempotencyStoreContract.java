package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.internal.Ids;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link IdempotencyStore} adapter must have; each adapter's test extends this. */
public abstract class IdempotencyStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
  protected IdempotencyStore store;
  private String key;

  protected abstract IdempotencyStore newStore();

  /** Why this store's engine cannot be held to serialised conditional writes, if it cannot. */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  @BeforeEach
  void setUp() {
    store = newStore();
    key = Ids.hash("caller", "workflow", Ids.newId(Instant.now()));
  }

  private IdempotencyRecord record(String runId, Instant expires) {
    return new IdempotencyRecord(key, runId, "hash-" + runId, expires);
  }

  @Test
  void aKeyBindsToItsFirstRunUntilItExpiresThenToANewOne() {
    assertThat(store.get(key)).isEmpty();
    IdempotencyRecord first = record("run-1", T0.plus(Duration.ofHours(24)));
    assertThat(store.claim(first, T0)).isTrue();
    assertThat(store.get(key)).contains(first);
    assertThat(store.claim(record("run-2", T0.plus(Duration.ofHours(25))), T0.plus(Duration.ofHours(1)))).isFalse();
    assertThat(store.get(key)).contains(first);
    IdempotencyRecord later = record("run-3", T0.plus(Duration.ofHours(49)));
    assertThat(store.claim(later, T0.plus(Duration.ofHours(25)))).isTrue();
    assertThat(store.get(key)).contains(later);
  }

  @Test
  void ofConcurrentFirstClaimsOneWins() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    AtomicInteger wins = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    try (var pool = Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 8; i++) {
        String runId = "run-" + i;
        pool.submit(() -> {
          start.await();
          if (store.claim(record(runId, T0.plus(Duration.ofHours(24))), T0)) {
            wins.incrementAndGet();
          }
          return null;
        });
      }
      start.countDown();
    }
    assertThat(wins).hasValue(1);
  }
}
