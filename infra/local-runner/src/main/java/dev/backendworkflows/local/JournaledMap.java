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
 * (one JSON line, flushed) and replayed on open, then compacted. A line torn by a crash is dropped.
 * Only the mutators below are journaled; the compute/merge family is refused rather than lost.
 */
final class JournaledMap extends ConcurrentSkipListMap<String, String> implements AutoCloseable {
  private final transient BufferedWriter journal;

  private JournaledMap(Path file) throws IOException {
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        replay(line);
      }
    }
    Path compacted = file.resolveSibling(file.getFileName() + ".tmp");
    try (BufferedWriter w = Files.newBufferedWriter(compacted, StandardCharsets.UTF_8)) {
      for (Map.Entry<String, String> e : entrySet()) {
        w.write(Json.write(List.of("p", e.getKey(), e.getValue())));
        w.newLine();
      }
    }
    Files.move(compacted, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    journal = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
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
    }
  }

  private void append(List<String> op) {
    try {
      journal.write(Json.write(op));
      journal.newLine();
      journal.flush();
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
  public synchronized void clear() {
    keySet().forEach(k -> append(List.of("d", k)));
    super.clear();
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
