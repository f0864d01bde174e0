package dev.backendworkflows.data.local;

import dev.backendworkflows.data.SearchSemantics;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ThingStore} over any sorted concurrent map of JSON strings: a {@link ConcurrentSkipListMap}
 * in memory, or the local runner's on-disk map. Keys are {@code type + '\u0000' + id}, so one type's
 * things are contiguous and in creation order.
 */
public final class MapThingStore implements ThingStore {
  private final ConcurrentNavigableMap<String, String> map;

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

  @Override
  public Optional<Thing> get(String type, String id) {
    return Optional.ofNullable(map.get(key(type, id))).map(MapThingStore::decode);
  }

  @Override
  public Thing create(Thing thing) {
    if (map.putIfAbsent(key(thing.type(), thing.id()), Json.write(thing)) != null) {
      throw new ThingAlreadyExistsException(thing.type(), thing.id());
    }
    return thing;
  }

  @Override
  public Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt) {
    String key = key(type, id);
    while (true) { // compare-and-set, so concurrent updates of different fields both survive
      String before = map.get(key);
      if (before == null) {
        throw new ThingNotFoundException(type, id);
      }
      Thing old = decode(before);
      Map<String, Object> fields = new LinkedHashMap<>(old.fields());
      changes.forEach((field, value) -> {
        if (value == null) {
          fields.remove(field);
        } else {
          fields.put(field, value);
        }
      });
      Thing updated = new Thing(type, id, fields, old.createdAt(), modifiedAt);
      if (map.replace(key, before, Json.write(updated))) {
        return updated;
      }
    }
  }

  @Override
  public boolean delete(String type, String id) {
    return map.remove(key(type, id)) != null;
  }

  @Override
  public ThingPage search(ThingQuery query) {
    SearchSemantics.Position position = SearchSemantics.position(query);
    String from = position.afterId() == null ? query.type() + '\u0000' : key(query.type(), position.afterId());
    var matches = map.subMap(from, position.afterId() == null, query.type() + '\u0001', false)
        .values().stream()
        .map(MapThingStore::decode)
        .filter(t -> SearchSemantics.matches(t, query.constraints()))
        .iterator();
    return SearchSemantics.page(query, matches);
  }

  private static Thing decode(String json) {
    return Json.read(json, Thing.class);
  }
}
