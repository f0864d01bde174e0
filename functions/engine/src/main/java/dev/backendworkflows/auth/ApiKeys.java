package dev.backendworkflows.auth;

import dev.backendworkflows.internal.Ids;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
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
    String key = PREFIX + Ids.secret(24);
    register(key, name, admin);
    return key;
  }

  /** Stores a key whose plain text was chosen elsewhere (e.g. the local runner's persisted dev key). */
  public void register(String plainKey, String name, boolean admin) {
    store.put(new ApiKey(hash(plainKey), name, admin, clock.instant()));
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
