package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.exceptions.UniqueViolationException;
import dev.backendworkflows.exceptions.VersionConflictException;
import dev.backendworkflows.exceptions.WriteContendedException;
import dev.backendworkflows.internal.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The rules of writing things, built on the store's atomic {@link ThingStore#write}: a unique
 * field's value is a claim held by the thing that has it, taken and given up in the same
 * transaction as the thing's own write; an increment carries a once-only receipt (a claim keyed by
 * the step), so a replayed step adds once; {@code if_version} makes a change conditional on the
 * thing's version. Writes that need none of these stay single conditional writes.
 */
final class ThingRules {
  /** How long a receipt is kept: longer than any run may be replayed. */
  static final Duration RECEIPT_KEPT = Duration.ofDays(30);
  /** Tries of a change whose read went stale under a concurrent writer (unique fields only). */
  private static final int CONTENDED_TRIES = 20;

  private ThingRules() {}

  /** The claim of {@code value} in unique field {@code field}: a digest, so any value fits a key. */
  static String uniqueKey(String type, String field, Object value) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(Json.write(value).getBytes(StandardCharsets.UTF_8));
      return "unique#" + type + "#" + field + "#" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }

  /**
   * Creates {@code thing} with claims on its unique values, and the once-only receipt {@code receipt}
   * (the step's key) naming it, in one transaction: a replay of the step — even one that derives
   * another id, because no journal marked the step as started — finds the receipt and returns the
   * thing made before instead of a twin. A taken value fails with {@link UniqueViolationException},
   * or — with {@code returnExisting} — gives the thing holding it.
   *
   * @return the thing made, the one holding a unique value, or — {@link Created#before} — the one this
   *     step made in an earlier attempt (null when deleted since)
   * @throws ThingAlreadyExistsException when a thing with its id exists that no receipt of this step names
   */
  static Created create(ThingStore store, DataType type, Thing thing, boolean returnExisting, String receipt, Instant now) {
    List<String> unique = type.uniqueFields().stream().filter(f -> thing.fields().get(f) != null).toList();
    List<ThingWrite> listings = Indexes.listed(type, thing);
    for (int tries = 0; ; tries++) {
      // the receipt first: when an earlier attempt of the step made the thing, that is the failure reported
      List<ThingWrite> writes = new ArrayList<>(List.of(new ThingWrite.Claim("receipt#" + receipt, thing.id(),
          now.plus(RECEIPT_KEPT).getEpochSecond()), new ThingWrite.Put(thing)));
      unique.forEach(f -> writes.add(new ThingWrite.Claim(uniqueKey(type.name(), f, thing.fields().get(f)), thing.id(), 0)));
      writes.addAll(listings); // unconditional, so a failed index is the Put's or a claim's
      int failed = store.write(writes);
      if (failed < 0) {
        return new Created(thing, false, thing.id());
      }
      if (failed == 0) { // made before by this step: the thing its receipt names (null when deleted since)
        String owner = store.claimOwner("receipt#" + receipt).orElse(thing.id());
        return new Created(store.get(type.name(), owner).orElse(null), true, owner);
      }
      if (failed == 1) {
        throw new ThingAlreadyExistsException(thing.type(), thing.id());
      }
      String field = unique.get(failed - 2);
      if (!returnExisting) {
        throw new UniqueViolationException(type.name(), field);
      }
      Object value = thing.fields().get(field);
      Thing holder = store.claimOwner(uniqueKey(type.name(), field, value)).flatMap(owner -> store.get(type.name(), owner))
          .filter(h -> value.equals(h.fields().get(field))).orElse(null);
      if (holder != null) {
        return new Created(holder, false, holder.id());
      }
      if (tries == CONTENDED_TRIES) { // its holder keeps going away as we look: report the clash rather than loop
        throw new UniqueViolationException(type.name(), field);
      }
    }
  }

  /** What a create gave: {@code before} when an earlier attempt of the step made the thing {@code id} ({@code thing} null when deleted since). */
  record Created(Thing thing, boolean before, String id) {}

  /** The thing step {@code receipt} created, when it did and the thing is still there. */
  static java.util.Optional<Thing> created(ThingStore store, String type, String receipt) {
    return store.claimOwner("receipt#" + receipt).flatMap(owner -> store.get(type, owner));
  }

  /** What a write of a change's transaction is for, so a failed index says what went wrong. */
  private sealed interface Role {
    /** The once-only receipt: taken already means an earlier attempt of the step made the change. */
    record Receipt() implements Role {}

    /** The change or removal of the thing itself. */
    record Target() implements Role {}

    /** The claim of a unique field's new value. */
    record Taken(String field) implements Role {}

    /** The release of an old value's claim. */
    record Freed(String key) implements Role {}

    /** A listing under an index, or its removal: unconditional, so never the write that failed. */
    record Listing() implements Role {}
  }

  /** A transaction being built: its writes and what each is for. */
  private record Writes(List<ThingWrite> writes, List<Role> roles) {
    Writes() {
      this(new ArrayList<>(), new ArrayList<>());
    }

    void add(ThingWrite w, Role role) {
      writes.add(w);
      roles.add(role);
    }

    /** Releases of the unique values of {@code fields} that {@code old} holds, except keys in {@code skip}. */
    void release(DataType type, Thing old, List<String> fields, Set<String> skip) {
      for (String f : fields) {
        Object value = old.fields().get(f);
        String key = value == null ? null : uniqueKey(type.name(), f, value);
        if (key != null && !skip.contains(key)) {
          add(new ThingWrite.Release(key, old.id()), new Role.Freed(key));
        }
      }
    }
  }

  /**
   * Changes a thing: sets {@code set}, adds {@code add}, only at {@code ifVersion} when given, moving
   * the claims of unique fields it changes. A change that is not the same when made twice (an
   * increment, or one made only at a version) takes the receipt {@code receipt} (the step's key) in
   * its transaction, so a replay of the step finds it made and changes nothing.
   *
   * @return the thing after the change (or as it is, when the receipt shows the change was made before)
   */
  static Thing change(ThingStore store, DataType type, String id, Map<String, Object> set, Map<String, BigDecimal> add,
      Long ifVersion, String receipt, Instant now) {
    List<String> unique = type.uniqueFields().stream().filter(set::containsKey).toList();
    boolean listed = type.indexedFields().stream().anyMatch(f -> set.containsKey(f) || add.containsKey(f));
    boolean once = !add.isEmpty() || ifVersion != null;
    if (unique.isEmpty() && !once && !listed) {
      return store.update(type.name(), id, set, now);
    }
    Set<String> notOurs = new HashSet<>(); // old values' claims another thing holds (set before the field was unique)
    for (int tries = 0; tries < CONTENDED_TRIES; tries++) {
      Thing old = unique.isEmpty() && !listed ? null : current(store, type, id);
      if (old != null && ifVersion != null && old.version() != ifVersion) {
        if (store.claimOwner("receipt#" + receipt).isPresent()) {
          return old; // made by an earlier attempt of this step
        }
        throw new VersionConflictException(type.name(), id, ifVersion, old.version());
      }
      Writes tx = new Writes();
      if (once) { // first: when an earlier attempt made the change, this is the failure reported
        tx.add(new ThingWrite.Claim("receipt#" + receipt, id, now.plus(RECEIPT_KEPT).getEpochSecond()), new Role.Receipt());
      }
      // at the version read, so the claims below are those of what is changed; a caller's version must be that one
      Long at = old != null ? Long.valueOf(old.version()) : ifVersion;
      tx.add(new ThingWrite.Change(type.name(), id, set, add, at, now), new Role.Target());
      List<String> moved = unique.stream().filter(f -> !Objects.equals(old.fields().get(f), set.get(f))).toList();
      for (String f : moved) {
        if (set.get(f) != null) {
          tx.add(new ThingWrite.Claim(uniqueKey(type.name(), f, set.get(f)), id, 0), new Role.Taken(f));
        }
      }
      if (old != null) {
        tx.release(type, old, moved, notOurs);
      }
      if (listed) { // the values after the change, as the version read makes them: sums included
        Map<String, Object> after = new ThingWrite.Change(type.name(), id, set, add, at, now).applyTo(old.fields());
        Indexes.moved(type, old, after).forEach(w -> tx.add(w, new Role.Listing()));
      }
      int failed = store.write(tx.writes());
      if (failed < 0) {
        return current(store, type, id);
      }
      switch (tx.roles().get(failed)) {
        case Role.Receipt r -> {
          return current(store, type, id); // made by an earlier attempt of this step
        }
        case Role.Taken t -> throw new UniqueViolationException(type.name(), t.field());
        case Role.Freed f -> notOurs.add(f.key());
        case Role.Listing l -> throw new IllegalStateException("the store failed an unconditional index write");
        case Role.Target t -> {
          Thing found = current(store, type, id);
          if (ifVersion != null && found.version() != ifVersion) {
            throw new VersionConflictException(type.name(), id, ifVersion, found.version());
          }
          for (String f : add.keySet()) {
            if (found.fields().get(f) != null && !(found.fields().get(f) instanceof Number)) {
              throw new ActionException("invalid_increment", "cannot add to " + f + " of " + type.name() + " '" + id
                  + "': it holds " + kindOf(found.fields().get(f)) + ", not a number");
            }
          }
          // the thing changed between our read and our write: read again
        }
      }
    }
    throw contended(type, id);
  }

  /** Deletes a thing and gives up the claims on its unique values. @return whether there was such a thing */
  static boolean remove(ThingStore store, DataType type, String id) {
    if (type.uniqueFields().isEmpty() && type.indexedFields().isEmpty()) {
      return store.delete(type.name(), id);
    }
    Set<String> notOurs = new HashSet<>();
    for (int tries = 0; tries < CONTENDED_TRIES; tries++) {
      Thing old = store.get(type.name(), id).orElse(null);
      if (old == null) {
        return false;
      }
      Writes tx = new Writes();
      tx.add(new ThingWrite.Remove(type.name(), id, old.version()), new Role.Target());
      tx.release(type, old, type.uniqueFields(), notOurs);
      Indexes.unlisted(type, old).forEach(w -> tx.add(w, new Role.Listing()));
      int failed = store.write(tx.writes());
      if (failed < 0) {
        return true;
      }
      if (tx.roles().get(failed) instanceof Role.Freed f) {
        notOurs.add(f.key());
      }
    }
    throw contended(type, id);
  }

  private static Thing current(ThingStore store, DataType type, String id) {
    return store.get(type.name(), id).orElseThrow(() -> new ThingNotFoundException(type.name(), id));
  }

  private static WriteContendedException contended(DataType type, String id) {
    return new WriteContendedException("the " + type.name() + " '" + id + "' kept changing while this step wrote it");
  }

  /** Words for a value's kind in messages. */
  private static String kindOf(Object v) {
    return v instanceof String ? "text" : v instanceof Boolean ? "a boolean" : v instanceof List ? "a list" : "an object";
  }
}
