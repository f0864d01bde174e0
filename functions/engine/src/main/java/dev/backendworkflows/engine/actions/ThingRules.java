package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.exceptions.UniqueViolationException;
import dev.backendworkflows.exceptions.VersionConflictException;
import dev.backendworkflows.internal.Json;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
   * Creates {@code thing} with claims on its unique values. A taken value fails with
   * {@link UniqueViolationException}, or — with {@code returnExisting} — gives the thing holding it.
   *
   * @throws ThingAlreadyExistsException when a thing with its id exists (a replay finds its own)
   */
  static Thing create(ThingStore store, DataType type, Thing thing, boolean returnExisting) {
    List<String> unique = type.uniqueFields().stream().filter(f -> thing.fields().get(f) != null).toList();
    if (unique.isEmpty()) {
      return store.create(thing);
    }
    for (int tries = 0; ; tries++) {
      List<ThingWrite> writes = new ArrayList<>(List.of(new ThingWrite.Put(thing)));
      unique.forEach(f -> writes.add(new ThingWrite.Claim(uniqueKey(type.name(), f, thing.fields().get(f)), thing.id(), 0)));
      int failed = store.write(writes);
      if (failed < 0) {
        return thing;
      }
      if (failed == 0) {
        throw new ThingAlreadyExistsException(thing.type(), thing.id());
      }
      String field = unique.get(failed - 1);
      if (!returnExisting) {
        throw new UniqueViolationException(type.name(), field);
      }
      Thing holder = store.claimOwner(uniqueKey(type.name(), field, thing.fields().get(field)))
          .flatMap(owner -> store.get(type.name(), owner)).orElse(null);
      if (holder != null) {
        return holder;
      }
      if (tries == CONTENDED_TRIES) { // its holder keeps going away as we look: report the clash rather than loop
        throw new UniqueViolationException(type.name(), field);
      }
    }
  }

  /**
   * Changes a thing: sets {@code set}, adds {@code add} (once per {@code receipt}, the step's key),
   * only at {@code ifVersion} when given, moving the claims of unique fields it changes.
   *
   * @return the thing after the change (or as it is, when the receipt shows the change was made before)
   */
  static Thing change(ThingStore store, DataType type, String id, Map<String, Object> set, Map<String, BigDecimal> add,
      Long ifVersion, String receipt, Instant now) {
    List<String> unique = type.uniqueFields().stream().filter(set::containsKey).toList();
    if (unique.isEmpty() && add.isEmpty() && ifVersion == null) {
      return store.update(type.name(), id, set, now);
    }
    for (int tries = 0; tries < CONTENDED_TRIES; tries++) {
      Thing old = unique.isEmpty() ? null : store.get(type.name(), id).orElseThrow(() -> new ThingNotFoundException(type.name(), id));
      Long at = ifVersion != null ? ifVersion : old == null ? null : old.version();
      List<ThingWrite> writes = new ArrayList<>(List.of(new ThingWrite.Change(type.name(), id, set, add, at, now)));
      int receiptAt = -1;
      if (!add.isEmpty()) {
        receiptAt = writes.size();
        writes.add(new ThingWrite.Claim("receipt#" + receipt, id, now.plus(RECEIPT_KEPT).getEpochSecond()));
      }
      List<String> claimed = new ArrayList<>(); // the field of each write from index claimsFrom on
      int claimsFrom = writes.size();
      for (String f : unique) {
        Object before = old.fields().get(f);
        Object after = set.get(f);
        if (Objects.equals(before, after)) {
          continue;
        }
        if (after != null) {
          writes.add(new ThingWrite.Claim(uniqueKey(type.name(), f, after), id, 0));
          claimed.add(f);
        }
        if (before != null) {
          writes.add(new ThingWrite.Release(uniqueKey(type.name(), f, before), id));
          claimed.add(null);
        }
      }
      int failed = store.write(writes);
      if (failed < 0 || failed == receiptAt) { // applied now, or by an earlier attempt of this step
        return store.get(type.name(), id).orElseThrow(() -> new ThingNotFoundException(type.name(), id));
      }
      if (failed >= claimsFrom && claimed.get(failed - claimsFrom) != null) {
        throw new UniqueViolationException(type.name(), claimed.get(failed - claimsFrom));
      }
      if (failed == 0) {
        Thing current = store.get(type.name(), id).orElseThrow(() -> new ThingNotFoundException(type.name(), id));
        if (ifVersion != null && current.version() != ifVersion) {
          throw new VersionConflictException(type.name(), id, ifVersion, current.version());
        }
        String notNumber = add.keySet().stream().filter(f -> current.fields().get(f) != null && !(current.fields().get(f) instanceof Number))
            .findFirst().orElse(null);
        if (notNumber != null) {
          throw new ActionException("invalid_increment", "cannot add to " + notNumber + " of " + type.name() + " '" + id
              + "': it holds " + Values.kind(current.fields().get(notNumber)) + ", not a number");
        }
      }
      // the thing changed between our read and our write (or a claim moved under us): read again
    }
    throw new ActionException("write_contended", "the " + type.name() + " '" + id + "' kept changing while its unique fields were "
        + "being changed; try again");
  }

  /** Deletes a thing and gives up the claims on its unique values. @return whether there was such a thing */
  static boolean remove(ThingStore store, DataType type, String id) {
    if (type.uniqueFields().isEmpty()) {
      return store.delete(type.name(), id);
    }
    for (int tries = 0; tries < CONTENDED_TRIES; tries++) {
      Thing old = store.get(type.name(), id).orElse(null);
      if (old == null) {
        return false;
      }
      List<ThingWrite> writes = new ArrayList<>(List.of(new ThingWrite.Remove(type.name(), id, old.version())));
      for (String f : type.uniqueFields()) {
        if (old.fields().get(f) != null) {
          writes.add(new ThingWrite.Release(uniqueKey(type.name(), f, old.fields().get(f)), id));
        }
      }
      if (store.write(writes) < 0) {
        return true;
      }
    }
    throw new ActionException("write_contended", "the " + type.name() + " '" + id + "' kept changing while it was being deleted; "
        + "try again");
  }

  /** Words for a value's kind in messages. */
  private static final class Values {
    static String kind(Object v) {
      return v instanceof String ? "text" : v instanceof Boolean ? "a boolean" : v instanceof List ? "a list" : "an object";
    }
  }
}
