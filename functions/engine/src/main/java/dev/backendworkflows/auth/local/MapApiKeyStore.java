package dev.backendworkflows.auth.local;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.internal.Json;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** {@link ApiKeyStore} over a concurrent map of JSON strings. */
public final class MapApiKeyStore implements ApiKeyStore {
  private final ConcurrentMap<String, String> map;

  public MapApiKeyStore(ConcurrentMap<String, String> map) {
    this.map = map;
  }

  public MapApiKeyStore() {
    this(new ConcurrentSkipListMap<>());
  }

  @Override
  public Optional<ApiKey> find(String keyHash) {
    return Optional.ofNullable(map.get(keyHash)).map(s -> Json.read(s, ApiKey.class));
  }

  @Override
  public void put(ApiKey key) {
    map.put(key.keyHash(), Json.write(key));
  }

  @Override
  public java.util.List<ApiKey> list() {
    return map.values().stream().map(s -> Json.read(s, ApiKey.class)).toList();
  }

  @Override
  public boolean delete(String keyHash) {
    return map.remove(keyHash) != null;
  }
}
