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
   * Applies {@code changes} field by field (a null value removes the field), sets the modified
   * time and adds one to the version; fields not named are kept even when another writer changed
   * them meanwhile.
   *
   * @return the thing after the change
   * @throws dev.backendworkflows.exceptions.ThingNotFoundException when no such thing exists: an update
   *     must never create.
   */
  Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt);

  /**
   * This store, writing for a run {@code depth} data_change triggers deep (0: no trigger started it):
   * the things it creates and changes carry that depth, and so do the changes a data_change trigger
   * is given; a delete's change carries the depth of the thing's last write. Reads are the same.
   */
  ThingStore atDepth(int depth);

  /** @return true when a thing was deleted, false when there was none. */
  boolean delete(String type, String id);

  /**
   * Applies every write or none, atomically: the primitive for changes that must hold together (a
   * thing and the claims on its unique values; a change and its once-only receipt; a change made
   * only at a version). Each thing or claim at most once per call.
   *
   * @return -1 when every write was applied; otherwise the index of a write whose condition did not
   *     hold (the first, when several did not), and nothing was written
   */
  int write(java.util.List<ThingWrite> writes);

  /**
   * Counts the things of {@code type} that every constraint holds for, with the semantics of
   * {@link SearchSemantics}, exactly; {@link ThingCount#read()} is how many things it read.
   */
  default ThingCount count(String type, java.util.List<Constraint> constraints) {
    return count(type, constraints, null);
  }

  /**
   * Counts like {@link #count(String, java.util.List)}, reading only the things listed under
   * {@code index} when it is not null (see {@link ThingQuery#index()}).
   */
  default ThingCount count(String type, java.util.List<Constraint> constraints, String index) {
    return count(new ThingQuery(type, constraints, null, false, 1, null, index, null));
  }

  /**
   * Counts what {@code query} finds (its constraints, index and {@code visible} test; sort, limit and
   * cursor do not matter), exactly; {@link ThingCount#read()} is how many things it read.
   */
  ThingCount count(ThingQuery query);

  /** Who holds claim {@code key}, or empty when nobody does. */
  Optional<String> claimOwner(String key);

  /**
   * Runs a search with the semantics of {@link SearchSemantics}; with {@link ThingQuery#index()}, over
   * the things listed under it, with the same cursors.
   *
   * @throws dev.backendworkflows.exceptions.InvalidCursorException for a cursor this store did not issue
   * @throws dev.backendworkflows.exceptions.SearchTooBroadException when a sorted search matches more
   *     than {@link SearchSemantics#MAX_SORTED_MATCHES} things
   */
  ThingPage search(ThingQuery query);
}
