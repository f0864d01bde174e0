package dev.backendworkflows.auth.local;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.internal.Json;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ApiKeyStore} over a concurrent map of JSON strings. A key is parsed once per stored
 * string: a lookup reuses the parsed key while the map still holds that very string, so a change
 * or removal is seen at once.
 */
public final class MapApiKeyStore implements ApiKeyStore {
  private final ConcurrentMap<String, String> map;
  private final ConcurrentMap<String, Parsed> parsed = new java.util.concurrent.ConcurrentHashMap<>();

  private record Parsed(String json, ApiKey key) {}

  public MapApiKeyStore(ConcurrentMap<String, String> map) {
    this.map = map;
  }

  public MapApiKeyStore() {
    this(new ConcurrentSkipListMap<>());
  }

  @Override
  public Optional<ApiKey> find(String keyHash) {
    String json = map.get(keyHash);
    if (json == null) {
      parsed.remove(keyHash);
      return Optional.empty();
    }
    Parsed p = parsed.get(keyHash);
    if (p == null || p.json() != json) { // identity: the string stored now, not an equal one from before
      p = new Parsed(json, Json.read(json, ApiKey.class));
      parsed.put(keyHash, p);
    }
    return Optional.of(p.key());
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
    parsed.remove(keyHash);
    return map.remove(keyHash) != null;
  }
}
