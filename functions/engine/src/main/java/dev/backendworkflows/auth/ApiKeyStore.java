package dev.backendworkflows.auth;

import java.util.Optional;

/** Port: stored API keys, looked up by hash. Adapters: {@code DynamoDbApiKeyStore}, {@code MapApiKeyStore}. */
public interface ApiKeyStore {
  /** @return the key with this SHA-256 hex hash, or empty. */
  Optional<ApiKey> find(String keyHash);

  /** Stores the key, replacing one with the same hash. */
  void put(ApiKey key);
}
