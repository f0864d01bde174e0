package dev.backendworkflows.local;

import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import java.nio.file.Path;

/**
 * The API keys kept in a local runner's data directory, opened by the key tool while no runner
 * uses the directory (it holds the directory's lock until closed; a runner reads keys at start).
 */
public final class DataDirKeys implements AutoCloseable {
  static final String JOURNAL = "api-keys";
  private final DataDirLock lock;
  private final JournaledMap map;

  private DataDirKeys(DataDirLock lock, JournaledMap map) {
    this.lock = lock;
    this.map = map;
  }

  /** @throws IllegalStateException when a runner or another tool is using {@code dataDir} */
  public static DataDirKeys open(Path dataDir) {
    DataDirLock lock = DataDirLock.acquire(dataDir);
    try {
      return new DataDirKeys(lock, JournaledMap.open(dataDir.resolve(JOURNAL + ".journal")));
    } catch (RuntimeException e) {
      lock.closeQuietly();
      throw e;
    }
  }

  /** The keys, in the directory's journal. */
  public ApiKeyStore store() {
    return new MapApiKeyStore(map);
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
