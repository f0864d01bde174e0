package dev.backendworkflows.data;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * Port: where things live. Adapters: {@code DynamoDbThingStore} (AWS) and
 * {@link dev.backendworkflows.data.local.MapThingStore} (local runner, tests). Field values are plain
 * JSON values (String, Number, Boolean, Map, List); dates are ISO-8601 UTC strings.
 */
public interface ThingStore {

  /** @return the thing, or empty when none has that type and id. */
  Optional<Thing> get(String type, String id);

  /**
   * Stores a new thing.
   *
   * @throws dev.backendworkflows.exceptions.ThingAlreadyExistsException when one with that type and id
   *     exists: the store must never overwrite on create.
   */
  Thing create(Thing thing);

  /**
   * Applies {@code changes} field by field (a null value removes the field) and sets the modified
   * time; fields not named are kept even when another writer changed them meanwhile.
   *
   * @return the thing after the change
   * @throws dev.backendworkflows.exceptions.ThingNotFoundException when no such thing exists: an update
   *     must never create.
   */
  Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt);

  /** @return true when a thing was deleted, false when there was none. */
  boolean delete(String type, String id);

  /**
   * Runs a search with the semantics of {@link SearchSemantics}.
   *
   * @throws dev.backendworkflows.exceptions.InvalidCursorException for a cursor this store did not issue
   * @throws dev.backendworkflows.exceptions.SearchTooBroadException when a sorted search matches more
   *     than {@link SearchSemantics#MAX_SORTED_MATCHES} things
   */
  ThingPage search(ThingQuery query);
}
