package dev.backendworkflows.local;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The API keys kept in a local runner's data directory, opened by the key tool while no runner
 * uses the directory (it holds the directory's lock until closed; a runner reads keys at start).
 */
public final class DataDirKeys implements ApiKeyStore, AutoCloseable {
  static final String JOURNAL = "api-keys";
  private final DataDirLock lock;
  private final JournaledMap map;
  private final MapApiKeyStore store;

  private DataDirKeys(DataDirLock lock, JournaledMap map) {
    this.lock = lock;
    this.map = map;
    this.store = new MapApiKeyStore(map);
  }

  /** @throws IllegalStateException when a runner or another tool is using {@code dataDir} */
  public static DataDirKeys open(Path dataDir) {
    DataDirLock lock = DataDirLock.acquire(dataDir);
    return new DataDirKeys(lock, JournaledMap.open(dataDir.resolve(JOURNAL + ".journal")));
  }

  @Override
  public Optional<ApiKey> find(String keyHash) {
    return store.find(keyHash);
  }

  @Override
  public void put(ApiKey key) {
    store.put(key);
  }

  @Override
  public List<ApiKey> list() {
    return store.list();
  }

  @Override
  public boolean delete(String keyHash) {
    return store.delete(keyHash);
  }

  @Override
  public void close() throws Exception {
    try {
      map.close();
    } finally {
      lock.close();
    }
  }
}
