package dev.backendworkflows.data.local;

import dev.backendworkflows.data.SearchSemantics;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.datachange.ThingChange;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ThingStore} over any sorted concurrent map of JSON strings: a {@link ConcurrentSkipListMap}
 * in memory, or the local runner's on-disk map. Keys are {@code type + '\u0000' + id}, so one type's
 * things are contiguous and in creation order; a claim's key starts with {@code _claim#}, which no
 * type name can (they start with a letter), and an index lists its things as empty entries keyed
 * {@code _index#<index> + '\u0000' + id}, so they too are contiguous and in creation order. Writes take one lock, so no write sees half of a
 * {@link #write} (its conditions hold for all of it); reads take none, so a read may see a
 * transaction's first record before its last. On a {@link BatchMap} every write is applied as one.
 *
 * <p>Once asked to ({@link #recordChanges}), it keeps a change feed like a DynamoDB stream's (with its
 * event source's filter): every committed create, change or delete of a thing of a watched type, for
 * the events watched, is written, in the same
 * batch as the write, under {@code _change#} and a sequence number that only grows, until the
 * change is {@linkplain #acknowledge acknowledged}.
 */
public final class MapThingStore implements ThingStore {
  private static final String CLAIM = "_claim#";
  private static final String INDEX = "_index#";
  private static final String CHANGE = "_change#";
  /** Where the next change's sequence number is kept, so numbers are never used twice, even after a restart. */
  private static final String NEXT_CHANGE = key("_changes#next", "_");
  private static final String DEPTH = "trigger_depth";
  private final Shared shared;
  private final ConcurrentNavigableMap<String, String> map;
  private final int depth;

  /** What every depth's view of one store shares. */
  private static final class Shared {
    final ConcurrentNavigableMap<String, String> map;
    final Object writes = new Object();
    volatile Map<String, Set<Trigger.ChangeEvent>> recorded = Map.of();
    volatile java.time.Clock clock = java.time.Clock.systemUTC();
    volatile Runnable onChange = () -> { };
    long nextChange;

    Shared(ConcurrentNavigableMap<String, String> map) {
      this.map = map;
      String next = map.get(NEXT_CHANGE);
      this.nextChange = next == null ? 1 : Long.parseLong(next);
    }
  }

  public MapThingStore(ConcurrentNavigableMap<String, String> map) {
    this(new Shared(map), 0);
  }

  private MapThingStore(Shared shared, int depth) {
    this.shared = shared;
    this.map = shared.map;
    this.depth = depth;
  }

  /** An in-memory store. */
  public MapThingStore() {
    this(new ConcurrentSkipListMap<>());
  }

  @Override
  public MapThingStore atDepth(int depth) {
    return depth == this.depth ? this : new MapThingStore(shared, depth);
  }

  /**
   * From now on, records in the change feed the committed changes of things of each type in
   * {@code watched} that are of the events it names, stamped with {@code clock}'s time.
   */
  public void recordChanges(Map<String, Set<Trigger.ChangeEvent>> watched, java.time.Clock clock) {
    shared.clock = clock;
    shared.recorded = Map.copyOf(watched);
  }

  /** Calls {@code listener} after every write that records a change (on the writer's thread: it must be quick). */
  public void onChange(Runnable listener) {
    shared.onChange = listener;
  }

  /** The first {@code limit} changes not yet acknowledged, in commit order. */
  public List<ThingChange> changes(int limit) {
    return map.subMap(CHANGE, CHANGE + '\uffff').values().stream().limit(limit).map(json -> Json.read(json, ThingChange.class)).toList();
  }

  /** Drops change {@code sequence} from the feed: it has been delivered. */
  public void acknowledge(String sequence) {
    map.remove(CHANGE + sequence);
  }

  private static String key(String type, String id) {
    return type + '\u0000' + id;
  }

  private static String claimKey(String claim) {
    return key(CLAIM + claim, "_");
  }

  @Override
  public Optional<Thing> get(String type, String id) {
    return Optional.ofNullable(map.get(key(type, id))).map(MapThingStore::decode);
  }

  @Override
  public Thing create(Thing thing) {
    if (write(List.of(new ThingWrite.Put(thing))) >= 0) {
      throw new ThingAlreadyExistsException(thing.type(), thing.id());
    }
    return thing;
  }

  @Override
  public Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt) {
    synchronized (shared.writes) {
      if (write(List.of(new ThingWrite.Change(type, id, changes, Map.of(), null, modifiedAt))) >= 0) {
        throw new ThingNotFoundException(type, id);
      }
      return get(type, id).orElseThrow();
    }
  }

  @Override
  public boolean delete(String type, String id) {
    return write(List.of(new ThingWrite.Remove(type, id, null))) < 0;
  }

  @Override
  public int write(List<ThingWrite> writes) {
    synchronized (shared.writes) {
      Map<String, String> after = new LinkedHashMap<>(); // key → new value, null to remove
      for (int i = 0; i < writes.size(); i++) {
        if (!holds(writes.get(i), after)) {
          return i;
        }
      }
      boolean recorded = record(writes, after);
      if (map instanceof BatchMap batch) {
        batch.applyAll(after);
      } else {
        after.forEach((k, v) -> {
          if (v == null) {
            map.remove(k);
          } else {
            map.put(k, v);
          }
        });
      }
      if (recorded) {
        shared.onChange.run();
      }
      return -1;
    }
  }

  /**
   * Adds to {@code after} a change record for each thing of a recorded type that {@code writes} create, change or delete.
   *
   * @return whether it added any
   */
  private boolean record(List<ThingWrite> writes, Map<String, String> after) {
    if (shared.recorded.isEmpty()) {
      return false;
    }
    boolean recorded = false;
    Instant at = shared.clock.instant();
    for (ThingWrite w : writes) {
      String type = switch (w) {
        case ThingWrite.Put p -> p.thing().type();
        case ThingWrite.Change c -> c.type();
        case ThingWrite.Remove r -> r.type();
        default -> null;
      };
      if (type == null || !shared.recorded.containsKey(type)) {
        continue;
      }
      String id = w instanceof ThingWrite.Put p ? p.thing().id() : w instanceof ThingWrite.Change c ? c.id() : ((ThingWrite.Remove) w).id();
      String beforeJson = map.get(key(type, id));
      String afterJson = after.get(key(type, id));
      Thing before = beforeJson == null ? null : decode(beforeJson);
      Thing now = afterJson == null ? null : decode(afterJson);
      if (before == null && now == null
          || !shared.recorded.get(type).contains(before == null ? Trigger.ChangeEvent.CREATED : now == null
              ? Trigger.ChangeEvent.DELETED : Trigger.ChangeEvent.CHANGED)) {
        continue;
      }
      String sequence = String.format("%020d", shared.nextChange++);
      int changeDepth = now != null ? depth : storedDepth(beforeJson);
      after.put(CHANGE + sequence, Json.write(ThingChange.of(sequence, before, now, changeDepth, at)));
      after.put(NEXT_CHANGE, Long.toString(shared.nextChange));
      recorded = true;
    }
    return recorded;
  }

  /** The trigger depth stored with a thing's last write (0 when none). */
  private static int storedDepth(String json) {
    return Json.tree(json).path(DEPTH).asInt(0);
  }

  /** A thing as stored: its JSON, with the depth of the run that wrote it when that is not 0. */
  private String encode(Thing thing) {
    if (depth == 0) {
      return Json.write(thing);
    }
    com.fasterxml.jackson.databind.node.ObjectNode node = Json.MAPPER.valueToTree(thing);
    node.put(DEPTH, depth);
    return Json.write(node);
  }

  /** Whether {@code w}'s condition holds; if so, what it writes goes into {@code after}. */
  private boolean holds(ThingWrite w, Map<String, String> after) {
    switch (w) {
      case ThingWrite.Put p -> {
        String k = key(p.thing().type(), p.thing().id());
        if (map.containsKey(k)) {
          return false;
        }
        after.put(k, encode(new Thing(p.thing().type(), p.thing().id(), p.thing().fields(), p.thing().createdAt(),
            p.thing().modifiedAt(), 1)));
      }
      case ThingWrite.Change c -> {
        Thing old = get(c.type(), c.id()).orElse(null);
        if (old == null || (c.ifVersion() != null && old.version() != c.ifVersion())
            || c.add().keySet().stream().anyMatch(f -> old.fields().get(f) != null && !(old.fields().get(f) instanceof Number))) {
          return false;
        }
        after.put(key(c.type(), c.id()), encode(changed(old, c)));
      }
      case ThingWrite.Remove r -> {
        Thing old = get(r.type(), r.id()).orElse(null);
        if (old == null || (r.ifVersion() != null && old.version() != r.ifVersion())) {
          return false;
        }
        after.put(key(r.type(), r.id()), null);
      }
      case ThingWrite.Claim c -> {
        if (map.containsKey(claimKey(c.key()))) {
          return false;
        }
        Map<String, Object> claim = new HashMap<>();
        claim.put("owner", c.owner());
        claim.put("expires_at", c.expiresAt());
        after.put(claimKey(c.key()), Json.write(claim));
      }
      case ThingWrite.AddToIndex a -> after.put(key(INDEX + a.index(), a.id()), "{}");
      case ThingWrite.RemoveFromIndex r -> after.put(key(INDEX + r.index(), r.id()), null);
      case ThingWrite.Release r -> {
        String owner = claimOwner(r.key()).orElse(null);
        if (owner != null && !owner.equals(r.owner())) {
          return false;
        }
        after.put(claimKey(r.key()), null);
      }
    }
    return true;
  }

  /** {@code old} with change {@code c} applied: fields set or removed, numbers added exactly, one version more. */
  private static Thing changed(Thing old, ThingWrite.Change c) {
    Map<String, Object> fields = c.applyTo(old.fields());
    return new Thing(old.type(), old.id(), fields, old.createdAt(), c.modifiedAt(), old.version() + 1);
  }

  @Override
  public Optional<String> claimOwner(String key) {
    return Optional.ofNullable(map.get(claimKey(key))).map(json -> (String) Json.read(json, Map.class).get("owner"));
  }

  @Override
  public ThingPage search(ThingQuery query) {
    SearchSemantics.Position position = SearchSemantics.position(query);
    var matches = things(query.type(), query.index(), position.afterId())
        .filter(query::finds)
        .iterator();
    return SearchSemantics.page(query, matches);
  }

  /**
   * The type's things in creation order after {@code afterId} (null for all): every one, or, with an
   * index, those it lists (an entry whose thing has gone is passed over).
   */
  private java.util.stream.Stream<Thing> things(String type, String index, String afterId) {
    String prefix = index == null ? type : INDEX + index;
    String from = afterId == null ? prefix + '\u0000' : key(prefix, afterId);
    var entries = map.subMap(from, afterId == null, prefix + '\u0001', false);
    if (index == null) {
      return entries.values().stream().map(MapThingStore::decode);
    }
    return entries.keySet().stream().map(k -> get(type, k.substring(prefix.length() + 1))).flatMap(Optional::stream);
  }

  @Override
  public dev.backendworkflows.data.ThingCount count(ThingQuery query) {
    long[] read = {0};
    long count = things(query.type(), query.index(), null).peek(t -> read[0]++).filter(query::finds).count();
    return new dev.backendworkflows.data.ThingCount(count, read[0]);
  }

  @SuppressWarnings("unchecked")
  private static Thing decode(String json) {
    Thing t = Json.read(json, Thing.class);
    return new Thing(t.type(), t.id(), (Map<String, Object>) dev.backendworkflows.definition.Values.plain(t.fields()), t.createdAt(),
        t.modifiedAt(), t.version());
  }
}
