package dev.backendworkflows.auth;

import java.util.List;
import java.util.Optional;

/** Port: stored API keys, looked up by hash. Adapters: {@code DynamoDbApiKeyStore}, {@code MapApiKeyStore}. */
public interface ApiKeyStore {
  /** @return the key with this SHA-256 hex hash, or empty. */
  Optional<ApiKey> find(String keyHash);

  /** Stores the key, replacing one with the same hash. */
  void put(ApiKey key);

  /** Every stored key (the operator's tools list them; functions never do). */
  List<ApiKey> list();

  /** @return true when a key with this hash was there, and is gone now */
  boolean delete(String keyHash);
}
