package dev.backendworkflows.data;

import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.definition.Values;
import dev.backendworkflows.internal.Json;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;

/**
 * The rules of indexed fields, the same on every store. A thing is listed under one index per
 * indexed field that has a value ({@link #key}); the writes that list and unlist it go in the same
 * transaction as the thing's own write. An index serves a search only once it is <em>ready</em>:
 * every thing of the type is listed, which for a field indexed after things were stored is the
 * sweep's work ({@link #build}). Each type's index state is one record, a thing of the reserved
 * type {@value #STATE_TYPE} (no data type can have that name), changed only at its version.
 *
 * <p>Why a build waits {@code grace} before it starts: code deployed before the field was indexed
 * may still be running for a while and does not list what it writes; things it writes before the
 * build starts are then listed by the build, and code deployed after lists its own writes.
 */
public final class Indexes {
  /** The type of the records that hold each type's index state. */
  public static final String STATE_TYPE = "_indexes";
  private static final int PAGE = 200;
  /** A build not stepped for this long past the overlap (sweeps run every minute) was abandoned. */
  private static final Duration ABANDONED = Duration.ofMinutes(5);
  /** Indexes known ready, per store: a ready index stays ready while the schema indexes its field. */
  private static final Map<ThingStore, Set<String>> READY = Collections.synchronizedMap(new WeakHashMap<>());

  private Indexes() {}

  /** The index of {@code value} in {@code field}: a digest, so any value fits a key; numbers in one form, so 3 and 3.0 meet. */
  public static String key(String type, String field, Object value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Json.write(Values.plain(value)).getBytes(StandardCharsets.UTF_8));
      return type + "#" + field + "#" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /**
   * The index that can serve a search with {@code constraints}: that of the first {@code =} constraint
   * with a value on an indexed field whose index is ready; null when there is none (a scan).
   */
  public static String choose(ThingStore store, DataType type, List<Constraint> constraints) {
    for (Constraint c : constraints) {
      if (c.op() == Constraint.Op.EQ && c.value() != null && type.indexedFields().contains(c.field())
          && ready(store, type.name(), c.field())) {
        return key(type.name(), c.field(), c.value());
      }
    }
    return null;
  }

  private static boolean ready(ThingStore store, String type, String field) {
    Set<String> known = READY.computeIfAbsent(store, s -> java.util.concurrent.ConcurrentHashMap.newKeySet());
    if (known.contains(type + "#" + field)) {
      return true;
    }
    List<String> ready = State.of(store.get(STATE_TYPE, type).orElse(null)).ready();
    ready.forEach(f -> known.add(type + "#" + f));
    return ready.contains(field);
  }

  /** The writes that list a new thing under the indexes of its indexed fields. */
  public static List<ThingWrite> listed(DataType type, Thing thing) {
    List<ThingWrite> writes = new ArrayList<>();
    for (String f : type.indexedFields()) {
      Object value = thing.fields().get(f);
      if (value != null) {
        writes.add(new ThingWrite.AddToIndex(key(type.name(), f, value), thing.id()));
      }
    }
    return writes;
  }

  /** The writes that take a thing off the indexes of its indexed fields (before it is deleted). */
  public static List<ThingWrite> unlisted(DataType type, Thing thing) {
    List<ThingWrite> writes = new ArrayList<>();
    for (String f : type.indexedFields()) {
      Object value = thing.fields().get(f);
      if (value != null) {
        writes.add(new ThingWrite.RemoveFromIndex(key(type.name(), f, value), thing.id()));
      }
    }
    return writes;
  }

  /** The writes that move a thing from the indexes of {@code old}'s values to those of {@code now}'s, where they differ. */
  public static List<ThingWrite> moved(DataType type, Thing old, Map<String, Object> now) {
    List<ThingWrite> writes = new ArrayList<>();
    for (String f : type.indexedFields()) {
      Object was = old.fields().get(f);
      Object is = now.get(f);
      if (was != null && is != null && key(type.name(), f, was).equals(key(type.name(), f, is))) {
        continue;
      }
      if (was != null) {
        writes.add(new ThingWrite.RemoveFromIndex(key(type.name(), f, was), old.id()));
      }
      if (is != null) {
        writes.add(new ThingWrite.AddToIndex(key(type.name(), f, is), old.id()));
      }
    }
    return writes;
  }

  /** What one sweep's {@link #build} did. */
  public record Build(int listed, List<String> readied, List<String> dropped) {}

  /**
   * Brings every type's indexes in line with the schema, a bounded step per call: lists the things
   * of fields indexed since the things were stored (at most {@code most} things per call, going on
   * where the last call stopped), marks an index ready once every thing is listed, and forgets
   * indexes the schema no longer has. A build left alone for longer than {@code grace} and five
   * minutes (its field was unindexed meanwhile, or sweeps stopped) starts over, since writes in the
   * gap may not have been listed.
   */
  public static Build build(ThingStore store, Collection<DataType> types, Instant now, Duration grace, int most) {
    int listed = 0;
    List<String> readied = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (DataType type : types) {
      Thing record = store.get(STATE_TYPE, type.name()).orElse(null);
      State state = State.of(record);
      Set<String> wanted = new TreeSet<>(type.indexedFields());
      if (record == null && wanted.isEmpty()) {
        continue;
      }
      List<String> ready = new ArrayList<>(state.ready());
      Map<String, Map<String, Object>> building = new LinkedHashMap<>(state.building());
      ready.stream().filter(f -> !wanted.contains(f)).forEach(f -> dropped.add(type.name() + "." + f));
      ready.retainAll(wanted);
      building.keySet().retainAll(wanted);
      for (String field : wanted) {
        if (ready.contains(field)) {
          continue;
        }
        Map<String, Object> b = building.get(field);
        if (b == null || now.getEpochSecond() - ((Number) b.get("at")).longValue() > grace.plus(ABANDONED).toSeconds()) {
          b = new LinkedHashMap<>(Map.of("since", now.getEpochSecond(), "at", now.getEpochSecond()));
        }
        b = new LinkedHashMap<>(b);
        b.put("at", now.getEpochSecond());
        building.put(field, b);
        if (now.getEpochSecond() - ((Number) b.get("since")).longValue() < grace.toSeconds()) {
          continue; // older code may still be writing without listing
        }
        String after = (String) b.get("after");
        while (listed < most) {
          ThingPage page = store.search(new ThingQuery(type.name(), List.of(), null, false, Math.min(PAGE, most - listed),
              after == null ? null : dev.backendworkflows.internal.Cursors.encode(Map.of("after", after))));
          List<ThingWrite> writes = new ArrayList<>();
          for (Thing t : page.things()) {
            Object value = t.fields().get(field);
            if (value != null) {
              writes.add(new ThingWrite.AddToIndex(key(type.name(), field, value), t.id()));
            }
          }
          for (int i = 0; i < writes.size(); i += 25) {
            store.write(writes.subList(i, Math.min(writes.size(), i + 25)));
          }
          listed += page.things().size();
          if (!page.things().isEmpty()) {
            after = page.things().getLast().id();
          }
          if (page.cursor() == null) {
            ready.add(field);
            building.remove(field);
            readied.add(type.name() + "." + field);
            break;
          }
        }
        if (building.containsKey(field) && after != null) {
          b.put("after", after);
        }
      }
      Collections.sort(ready);
      Map<String, Object> fields = new LinkedHashMap<>();
      fields.put("ready", ready);
      fields.put("building", building);
      if (record == null) {
        store.write(List.of(new ThingWrite.Put(new Thing(STATE_TYPE, type.name(), fields, now, now))));
      } else if (building.isEmpty() && state.building().isEmpty() && ready.equals(state.ready())) {
        continue; // nothing changed: no write
      } else {
        store.write(List.of(new ThingWrite.Change(STATE_TYPE, type.name(), fields, Map.of(), record.version(), now)));
      }
      // a write that lost to another sweep is simply not kept: the next sweep reads the winner's state
    }
    return new Build(listed, readied, dropped);
  }

  /** A type's index state: the ready fields, and each build's progress ({@code after} id, {@code since} and {@code at} epoch seconds). */
  private record State(List<String> ready, Map<String, Map<String, Object>> building) {
    @SuppressWarnings("unchecked")
    static State of(Thing record) {
      if (record == null) {
        return new State(List.of(), Map.of());
      }
      Object ready = record.fields().get("ready");
      Object building = record.fields().get("building");
      return new State(ready instanceof List<?> l ? (List<String>) l : List.of(),
          building instanceof Map<?, ?> m ? (Map<String, Map<String, Object>>) m : Map.of());
    }
  }
}
