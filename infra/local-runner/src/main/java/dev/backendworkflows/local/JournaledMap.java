package dev.backendworkflows.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A sorted concurrent map that survives restarts: every change is appended to a journal file
 * (one JSON line, flushed) and replayed on open; the file is compacted on open and whenever its
 * appended lines outgrow the map, so its size follows the map's, not its history's. A line torn by a crash is dropped.
 * Only the mutators below are journaled; the compute/merge family is refused rather than lost. A
 * {@linkplain #applyAll batch} is one line, so after a crash all of it is there or none.
 */
final class JournaledMap extends ConcurrentSkipListMap<String, String> implements AutoCloseable, dev.backendworkflows.data.local.BatchMap {
  /** The journal is rewritten when the lines appended since its last rewrite exceed the entries it then held and this. */
  static final int COMPACT_AFTER = 10_000;
  private final transient Path file;
  private transient BufferedWriter journal;
  private transient long appended;
  private transient long compactAt;

  private JournaledMap(Path file) throws IOException {
    this.file = file;
    if (Files.exists(file)) {
      try (java.io.BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          replay(line);
        }
      }
    }
    compact();
  }

  /** Rewrites the journal as one line per entry, so a long-running map's file (and its replay) stays the map's size. */
  private void compact() throws IOException {
    Path compacted = file.resolveSibling(file.getFileName() + ".tmp");
    long entries = 0;
    try (BufferedWriter w = Files.newBufferedWriter(compacted, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, String> e : entrySet()) {
        w.write(Json.write(List.of("p", e.getKey(), e.getValue())));
        w.newLine();
        entries++;
      }
    }
    // the old journal stays open and whole until the new one has replaced it
    Files.move(compacted, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    BufferedWriter old = journal;
    journal = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    if (old != null) {
      old.close();
    }
    appended = 0;
    compactAt = Math.max(COMPACT_AFTER, entries);
  }

  /** Compacts while open; a compaction that fails (a disk full) is tried again later, and the change that prompted it stands. */
  private void compactLater() {
    try {
      compact();
    } catch (IOException | UncheckedIOException e) {
      try {
        Files.deleteIfExists(file.resolveSibling(file.getFileName() + ".tmp"));
      } catch (IOException ignored) { // a stale .tmp is overwritten by the next compaction
      }
      compactAt = appended + COMPACT_AFTER;
    }
  }

  static JournaledMap open(Path file) {
    try {
      Files.createDirectories(file.getParent());
      return new JournaledMap(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + file, e);
    }
  }

  private void replay(String line) {
    JsonNode op;
    try {
      op = Json.MAPPER.readTree(line);
    } catch (IOException torn) {
      return;
    }
    if (op == null || !op.isArray()) {
      return;
    }
    if (op.path(0).asText().equals("p")) {
      super.put(op.path(1).asText(), op.path(2).asText());
    } else if (op.path(0).asText().equals("d")) {
      super.remove(op.path(1).asText());
    } else if (op.path(0).asText().equals("b")) {
      op.path(1).fields().forEachRemaining(e -> {
        if (e.getValue().isNull()) {
          super.remove(e.getKey());
        } else {
          super.put(e.getKey(), e.getValue().asText());
        }
      });
    }
  }

  private void append(List<?> op) {
    try {
      journal.write(Json.write(op));
      journal.newLine();
      journal.flush();
      if (++appended > compactAt) {
        compactLater();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the local data journal", e);
    }
  }

  @Override
  public synchronized String put(String key, String value) {
    String old = super.put(key, value);
    append(List.of("p", key, value));
    return old;
  }

  @Override
  public synchronized String putIfAbsent(String key, String value) {
    String old = super.putIfAbsent(key, value);
    if (old == null) {
      append(List.of("p", key, value));
    }
    return old;
  }

  @Override
  public synchronized boolean replace(String key, String oldValue, String newValue) {
    boolean done = super.replace(key, oldValue, newValue);
    if (done) {
      append(List.of("p", key, newValue));
    }
    return done;
  }

  @Override
  public synchronized String replace(String key, String value) {
    String old = super.replace(key, value);
    if (old != null) {
      append(List.of("p", key, value));
    }
    return old;
  }

  @Override
  public synchronized String remove(Object key) {
    String old = super.remove(key);
    if (old != null) {
      append(List.of("d", (String) key));
    }
    return old;
  }

  @Override
  public synchronized boolean remove(Object key, Object value) {
    boolean done = super.remove(key, value);
    if (done) {
      append(List.of("d", (String) key));
    }
    return done;
  }

  @Override
  public synchronized void applyAll(Map<String, String> changes) {
    if (changes.isEmpty()) {
      return;
    }
    Map<String, String> batch = new java.util.LinkedHashMap<>(changes);
    batch.forEach((k, v) -> {
      if (v == null) {
        super.remove(k);
      } else {
        super.put(k, v);
      }
    });
    append(List.of("b", batch));
  }

  @Override
  public synchronized void clear() {
    keySet().forEach(this::remove); // one key at a time, so a compaction midway sees what is left
  }

  /** A detached copy: changes to it are not journaled (a clone would share, and write to, this map's journal). */
  @Override
  public ConcurrentSkipListMap<String, String> clone() {
    return new ConcurrentSkipListMap<>(this);
  }

  @Override
  public String compute(String k, BiFunction<? super String, ? super String, ? extends String> f) {
    throw new UnsupportedOperationException("not journaled");
  }

  @Override
  public String computeIfAbsent(String k, Function<? super String, ? extends String> f) {
    throw new UnsupportedOperationException("not journaled");
  }

  @Override
  public String computeIfPresent(String k, BiFunction<? super String, ? super String, ? extends String> f) {
    throw new UnsupportedOperationException("not journaled");
  }

  @Override
  public String merge(String k, String v, BiFunction<? super String, ? super String, ? extends String> f) {
    throw new UnsupportedOperationException("not journaled");
  }

  @Override
  public synchronized void close() {
    try {
      journal.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
