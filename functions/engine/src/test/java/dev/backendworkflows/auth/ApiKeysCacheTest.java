package dev.backendworkflows.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A warm function reads a key once a minute, not once a call; revocation and new keys behave as documented. */
class ApiKeysCacheTest {
  private final MutableClock clock = MutableClock.at("2026-11-27T10:00:00Z");
  private final MapApiKeyStore backing = new MapApiKeyStore();
  private final AtomicInteger reads = new AtomicInteger();

  /** The store the keys are kept in, counting its reads. */
  private final ApiKeyStore store = new ApiKeyStore() {
    @Override
    public Optional<ApiKey> find(String keyHash) {
      reads.incrementAndGet();
      return backing.find(keyHash);
    }

    @Override
    public void put(ApiKey key) {
      backing.put(key);
    }

    @Override
    public List<ApiKey> list() {
      return backing.list();
    }

    @Override
    public boolean delete(String keyHash) {
      return backing.delete(keyHash);
    }
  };

  private final ApiKeys keys = new ApiKeys(store, clock);

  @Test
  void authenticate_whenCalledAgainWithinAMinute_readsTheStoreOnce() {
    String key = keys.issue("app", false);
    for (int i = 0; i < 5; i++) {
      assertThat(keys.authenticate(key)).map(ApiKey::name).contains("app");
      clock.advance(Duration.ofSeconds(10));
    }
    assertThat(reads).hasValue(1);
  }

  @Test
  void authenticate_afterTheCacheTime_readsTheStoreAgain() {
    String key = keys.issue("app", false);
    keys.authenticate(key);
    clock.advance(ApiKeys.CACHED);
    assertThat(keys.authenticate(key)).isPresent();
    assertThat(reads).hasValue(2);
  }

  @Test
  void authenticate_ofAKeyRevokedElsewhere_failsOnceTheCacheTimeHasPassed() {
    String key = keys.issue("app", false);
    keys.authenticate(key);
    backing.delete(ApiKeys.hash(key)); // the operator's tool, in another process
    clock.advance(ApiKeys.CACHED.minusSeconds(1));
    assertThat(keys.authenticate(key)).as("still remembered").isPresent();
    clock.advance(Duration.ofSeconds(1));
    assertThat(keys.authenticate(key)).isEmpty();
  }

  @Test
  void authenticate_ofAKeyRevokedHere_failsAtOnce() {
    String key = keys.issue("app", false);
    keys.authenticate(key);
    assertThat(keys.revoke("app")).isEqualTo(1);
    assertThat(keys.authenticate(key)).isEmpty();
  }

  @Test
  void authenticate_ofAnUnknownKey_isNotRememberedSoAKeyIssuedLaterWorksAtOnce() {
    String key = "bwk_not_yet_issued_0123456789";
    assertThat(keys.authenticate(key)).isEmpty();
    backing.put(new ApiKey(ApiKeys.hash(key), "later", false, clock.instant()));
    assertThat(keys.authenticate(key)).map(ApiKey::name).contains("later");
    assertThat(reads).hasValue(2);
  }

  @Test
  void authenticate_withNoCacheTime_readsTheStoreEveryCall() {
    ApiKeys uncached = new ApiKeys(store, clock, Duration.ZERO);
    String key = uncached.issue("app", false);
    uncached.authenticate(key);
    uncached.authenticate(key);
    assertThat(reads).hasValue(2);
  }

  @Test
  void authenticate_pastTheCacheSize_startsOverAndStillFindsEveryKey() {
    List<String> issued = java.util.stream.IntStream.range(0, ApiKeys.CACHE_SIZE + 1).mapToObj(i -> keys.issue("k" + i, false)).toList();
    issued.forEach(k -> assertThat(keys.authenticate(k)).isPresent());
    reads.set(0);
    assertThat(keys.authenticate(issued.getLast())).isPresent();
    assertThat(keys.authenticate(issued.getFirst())).isPresent();
    assertThat(reads).as("the last key is remembered; the first was forgotten when the memory started over").hasValue(1);
  }
}
