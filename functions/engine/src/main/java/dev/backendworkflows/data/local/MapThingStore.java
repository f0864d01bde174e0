package dev.backendworkflows.data.local;

import dev.backendworkflows.data.SearchSemantics;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ThingStore} over any sorted concurrent map of JSON strings: a {@link ConcurrentSkipListMap}
 * in memory, or the local runner's on-disk map. Keys are {@code type + '\u0000' + id}, so one type's
 * things are contiguous and in creation order; a claim's key starts with {@code _claim#}, which no
 * type name can (they start with a letter), and an index lists its things as empty entries keyed
 * {@code _index#<index> + '\u0000' + id}, so they too are contiguous and in creation order. Writes take one lock, so no write sees half of a
 * {@link #write} (its conditions hold for all of it); reads take none, so a read may see a
 * transaction's first record before its last.
 */
public final class MapThingStore implements ThingStore {
  private static final String CLAIM = "_claim#";
  private static final String INDEX = "_index#";
  private final ConcurrentNavigableMap<String, String> map;
  private final Object writes = new Object();

  public MapThingStore(ConcurrentNavigableMap<String, String> map) {
    this.map = map;
  }

  /** An in-memory store. */
  public MapThingStore() {
    this(new ConcurrentSkipListMap<>());
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
    synchronized (writes) {
      if (map.putIfAbsent(key(thing.type(), thing.id()), Json.write(thing)) != null) {
        throw new ThingAlreadyExistsException(thing.type(), thing.id());
      }
    }
    return thing;
  }

  @Override
  public Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt) {
    synchronized (writes) {
      Thing old = get(type, id).orElseThrow(() -> new ThingNotFoundException(type, id));
      Thing updated = changed(old, new ThingWrite.Change(type, id, changes, Map.of(), null, modifiedAt));
      map.put(key(type, id), Json.write(updated));
      return updated;
    }
  }

  @Override
  public boolean delete(String type, String id) {
    synchronized (writes) {
      return map.remove(key(type, id)) != null;
    }
  }

  @Override
  public int write(List<ThingWrite> writes) {
    synchronized (this.writes) {
      Map<String, String> after = new LinkedHashMap<>(); // key → new value, null to remove
      for (int i = 0; i < writes.size(); i++) {
        if (!holds(writes.get(i), after)) {
          return i;
        }
      }
      after.forEach((k, v) -> {
        if (v == null) {
          map.remove(k);
        } else {
          map.put(k, v);
        }
      });
      return -1;
    }
  }

  /** Whether {@code w}'s condition holds; if so, what it writes goes into {@code after}. */
  private boolean holds(ThingWrite w, Map<String, String> after) {
    switch (w) {
      case ThingWrite.Put p -> {
        String k = key(p.thing().type(), p.thing().id());
        if (map.containsKey(k)) {
          return false;
        }
        after.put(k, Json.write(new Thing(p.thing().type(), p.thing().id(), p.thing().fields(), p.thing().createdAt(),
            p.thing().modifiedAt(), 1)));
      }
      case ThingWrite.Change c -> {
        Thing old = get(c.type(), c.id()).orElse(null);
        if (old == null || (c.ifVersion() != null && old.version() != c.ifVersion())
            || c.add().keySet().stream().anyMatch(f -> old.fields().get(f) != null && !(old.fields().get(f) instanceof Number))) {
          return false;
        }
        after.put(key(c.type(), c.id()), Json.write(changed(old, c)));
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
