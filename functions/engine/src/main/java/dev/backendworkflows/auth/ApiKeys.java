package dev.backendworkflows.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.backendworkflows.internal.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Issues and checks bearer API keys; the plain key is shown once and never stored. A key found is
 * remembered for {@link #CACHED} (per container on Lambda), so a warm function does not read the
 * key table on every call; a revoked key therefore stops working within that time. Keys not found
 * are not remembered: a key issued a moment ago works at once.
 */
public final class ApiKeys {
  public static final String PREFIX = "bwk_";
  /** How long a function keeps a key it found before reading it again. */
  public static final Duration CACHED = Duration.ofSeconds(60);
  /** At most this many keys are remembered; past it the memory starts over. */
  static final int CACHE_SIZE = 1_000;
  private final ApiKeyStore store;
  private final Clock clock;
  private final Duration cached;
  private final Map<String, Found> found = new ConcurrentHashMap<>();

  private record Found(ApiKey key, Instant until) {}

  public ApiKeys(ApiKeyStore store, Clock clock) {
    this(store, clock, CACHED);
  }

  /** @param cached how long a key found is remembered; zero reads the store on every call */
  public ApiKeys(ApiKeyStore store, Clock clock, Duration cached) {
    this.store = store;
    this.clock = clock;
    this.cached = cached;
  }

  /** Creates a key and returns its plain text, which only the caller ever sees. */
  public String issue(String name, boolean admin) {
    return issue(name, admin, List.of());
  }

  /** Creates a key that may call only {@code workflows} (every workflow when empty; admin keys may call all). */
  public String issue(String name, boolean admin, List<String> workflows) {
    String key = PREFIX + Ids.secret(24);
    store.put(new ApiKey(hash(key), name, admin, clock.instant(), workflows));
    return key;
  }

  /** Stores a key whose plain text was chosen elsewhere (e.g. the local runner's persisted dev key). */
  public void register(String plainKey, String name, boolean admin) {
    store.put(new ApiKey(hash(plainKey), name, admin, clock.instant()));
  }

  /** Every key, by name (their hashes, never the keys). */
  public List<ApiKey> list() {
    return store.list().stream().sorted(java.util.Comparator.comparing(ApiKey::name).thenComparing(ApiKey::createdAt)).toList();
  }

  /** Revokes every key named {@code name}; @return how many */
  public int revoke(String name) {
    int n = 0;
    for (ApiKey k : store.list()) {
      if (k.name().equals(name) && store.delete(k.keyHash())) {
        found.remove(k.keyHash());
        n++;
      }
    }
    return n;
  }

  /** @return the key a bearer token stands for, or empty when it is unknown. */
  public Optional<ApiKey> authenticate(String plainKey) {
    if (plainKey == null || plainKey.isBlank() || plainKey.length() > 200) {
      return Optional.empty();
    }
    String hash = hash(plainKey);
    Instant now = clock.instant();
    Found known = found.get(hash);
    if (known != null && now.isBefore(known.until())) {
      return Optional.of(known.key());
    }
    Optional<ApiKey> key = store.find(hash);
    if (key.isPresent() && cached.isPositive()) {
      if (found.size() >= CACHE_SIZE) {
        found.clear();
      }
      found.put(hash, new Found(key.get(), now.plus(cached)));
    } else {
      found.remove(hash);
    }
    return key;
  }

  public static String hash(String plainKey) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(plainKey.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
