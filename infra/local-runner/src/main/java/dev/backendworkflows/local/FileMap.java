package dev.backendworkflows.local;

import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentMap;

/**
 * A map of strings kept on disk, one file per key, so its size costs no memory: where the local
 * runner archives finished runs beyond the newest it keeps in memory. A key's file is named by the
 * SHA-256 of the key in hex (any key fits a file name, and ids that differ only in case stay apart on
 * case-insensitive file systems), in one of 256 folders; the file holds the key as a JSON string on
 * its first line, then the value. Each write replaces the file atomically; iteration reads one
 * folder at a time.
 */
final class FileMap extends AbstractMap<String, String> implements ConcurrentMap<String, String>, AutoCloseable {
  private static final HexFormat HEX = HexFormat.of();
  private final Path dir;
  private final boolean deleteOnClose;

  private FileMap(Path dir, boolean deleteOnClose) {
    this.dir = dir;
    this.deleteOnClose = deleteOnClose;
  }

  /** The map kept in {@code dir}, created if missing. */
  static FileMap open(Path dir) {
    try {
      Files.createDirectories(dir);
      return new FileMap(dir, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + dir, e);
    }
  }

  /** A map in a new temporary folder, removed on {@link #close()}. */
  static FileMap temporary(String prefix) {
    try {
      return new FileMap(Files.createTempDirectory(prefix), true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary folder", e);
    }
  }

  private Path file(Object key) {
    try {
      byte[] sha = java.security.MessageDigest.getInstance("SHA-256")
          .digest(((String) Objects.requireNonNull(key, "key")).getBytes(StandardCharsets.UTF_8));
      String name = HEX.formatHex(sha);
      return dir.resolve(name.substring(0, 2)).resolve(name);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file's key and value, or null when there is no file. */
  private static Map.Entry<String, String> read(Path file) {
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException gone) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
    int newline = content.indexOf('\n');
    if (newline < 0) {
      throw new UncheckedIOException("cannot read " + file + ": not a key and a value", new IOException("no newline"));
    }
    return Map.entry(Json.read(content.substring(0, newline), String.class), content.substring(newline + 1));
  }

  @Override
  public String get(Object key) {
    if (!(key instanceof String)) {
      return null;
    }
    Map.Entry<String, String> e = read(file(key));
    return e != null && e.getKey().equals(key) ? e.getValue() : null;
  }

  @Override
  public boolean containsKey(Object key) {
    return key instanceof String && Files.exists(file(key));
  }

  @Override
  public synchronized String put(String key, String value) {
    Path file = file(key);
    String old = get(key);
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, Json.write(key) + "\n" + Objects.requireNonNull(value, "value"), StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
    return old;
  }

  @Override
  public synchronized String remove(Object key) {
    if (!(key instanceof String)) {
      return null;
    }
    String old = get(key);
    delete(file(key));
    return old;
  }

  @Override
  public synchronized boolean remove(Object key, Object value) {
    if (!(key instanceof String) || value == null || !value.equals(get(key))) {
      return false;
    }
    delete(file(key));
    return true;
  }

  @Override
  public synchronized String putIfAbsent(String key, String value) {
    String old = get(key);
    return old != null ? old : put(key, value);
  }

  @Override
  public synchronized boolean replace(String key, String oldValue, String newValue) {
    if (!Objects.equals(get(key), oldValue)) {
      return false;
    }
    put(key, newValue);
    return true;
  }

  @Override
  public synchronized String replace(String key, String value) {
    return containsKey(key) ? put(key, value) : null;
  }

  private static void delete(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + file, e);
    }
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public Iterator<Map.Entry<String, String>> iterator() {
        return new Entries();
      }

      @Override
      public int size() { // counts file names, reads no file
        int n = 0;
        for (Path folder : list(dir, FOLDER)) {
          n += list(folder, FILE).size();
        }
        return n;
      }
    };
  }

  /**
   * Entries one folder at a time: only that folder's file names are held in memory. Only the
   * folders and files this map names are read (a {@code .DS_Store} or a stray file is passed
   * over), and a file that cannot be read as an entry (torn by a power loss) is passed over too.
   */
  private final class Entries implements Iterator<Map.Entry<String, String>> {
    private final Iterator<Path> folders = list(dir, FOLDER).iterator();
    private Iterator<Path> files = List.<Path>of().iterator();
    private Map.Entry<String, String> next;

    @Override
    public boolean hasNext() {
      while (next == null) {
        if (files.hasNext()) {
          Path f = files.next();
          try {
            next = read(f); // null when removed meanwhile
          } catch (RuntimeException unreadable) {
            next = null;
          }
        } else if (folders.hasNext()) {
          files = list(folders.next(), FILE).iterator();
        } else {
          return false;
        }
      }
      return true;
    }

    @Override
    public Map.Entry<String, String> next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Map.Entry<String, String> e = next;
      next = null;
      return e;
    }
  }

  private static final java.util.regex.Pattern FOLDER = java.util.regex.Pattern.compile("[0-9a-f]{2}");
  private static final java.util.regex.Pattern FILE = java.util.regex.Pattern.compile("[0-9a-f]{64}");

  /** The entries of {@code folder} whose names match {@code names}. */
  private static List<Path> list(Path folder, java.util.regex.Pattern names) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> stream = Files.newDirectoryStream(folder,
        p -> names.matcher(p.getFileName().toString()).matches())) {
      stream.forEach(out::add);
    } catch (NoSuchFileException | java.nio.file.NotDirectoryException gone) {
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder, e);
    }
    return out;
  }

  @Override
  public void close() {
    if (!deleteOnClose) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(FileMap::delete);
    } catch (IOException | UncheckedIOException e) {
      // a temporary folder left behind (this, or a kill -9) costs disk only: it is never read again
    }
  }
}
