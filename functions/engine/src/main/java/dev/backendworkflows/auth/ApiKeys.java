package dev.backendworkflows.auth;

import dev.backendworkflows.internal.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** Issues and checks bearer API keys; the plain key is shown once and never stored. */
public final class ApiKeys {
  public static final String PREFIX = "bwk_";
  private final ApiKeyStore store;
  private final Clock clock;

  public ApiKeys(ApiKeyStore store, Clock clock) {
    this.store = store;
    this.clock = clock;
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
    return store.find(hash(plainKey));
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
