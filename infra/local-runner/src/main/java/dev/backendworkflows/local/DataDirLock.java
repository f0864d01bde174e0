package dev.backendworkflows.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on a data directory: one process at a time owns its journals (a runner takes
 * over runs of earlier processes at once, which is only right when no other process is live). The
 * operating system drops the lock when its process dies, {@code kill -9} included.
 */
final class DataDirLock implements AutoCloseable {
  static final String FILE = ".lock";
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** @throws DataDirInUseException when another runner or tool holds {@code dir} */
  static DataDirLock acquire(Path dir) {
    try {
      Files.createDirectories(dir);
      FileChannel channel = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        channel.close();
        throw new DataDirInUseException(dir);
      }
      return new DataDirLock(channel, lock);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + dir, e);
    }
  }

  /** Releases the lock on a path that is already failing. */
  void closeQuietly() {
    try {
      close();
    } catch (IOException suppressed) {
      // the process is giving the directory up anyway; the OS drops the lock when it exits
    }
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }

  /** Another process (or another runner in this one) is using the data directory. */
  static final class DataDirInUseException extends IllegalStateException {
    DataDirInUseException(Path dir) {
      super("data directory " + dir + " is in use by a running local runner or key tool; stop it first");
    }
  }
}
