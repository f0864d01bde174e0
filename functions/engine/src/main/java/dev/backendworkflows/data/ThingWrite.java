package dev.backendworkflows.data;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;

/**
 * One conditional write of a {@link ThingStore#write} transaction. Claims are the primitive the engine
 * builds unique fields and once-only changes on: a key that one owner holds at a time.
 */
public sealed interface ThingWrite {

  /** Stores a new thing at version 1; its condition: no thing has its type and id. */
  record Put(Thing thing) implements ThingWrite {}

  /**
   * Changes an existing thing: sets {@code set} (a null value removes the field), adds {@code add}
   * to number fields (a missing field counts as 0), sets the modified time and adds one to the
   * version. Its condition: the thing exists, is at {@code ifVersion} when that is given, and each
   * field in {@code add} is missing or a number.
   */
  record Change(String type, String id, Map<String, Object> set, Map<String, BigDecimal> add, Long ifVersion, Instant modifiedAt)
      implements ThingWrite {
    public Change {
      set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
      add = Map.copyOf(add);
    }

    /**
     * {@code fields} as this change leaves them: {@code set} applied (null removes), {@code add} added
     * exactly (a missing or non-number field counts as 0; the store refuses the latter). Stores apply
     * it; rules use it to see a thing as it will be.
     */
    public Map<String, Object> applyTo(Map<String, Object> fields) {
      Map<String, Object> after = new java.util.LinkedHashMap<>(fields);
      set.forEach((field, value) -> {
        if (value == null) {
          after.remove(field);
        } else {
          after.put(field, value);
        }
      });
      add.forEach((field, n) -> after.put(field, dev.backendworkflows.definition.Values.number(
          (after.get(field) instanceof Number was ? new BigDecimal(was.toString()) : BigDecimal.ZERO).add(n))));
      return after;
    }
  }

  /** Deletes a thing; its condition: it exists, at {@code ifVersion} when that is given. */
  record Remove(String type, String id, Long ifVersion) implements ThingWrite {}

  /**
   * Takes {@code key} for {@code owner}; its condition: nobody holds the key. A claim with
   * {@code expiresAt} (epoch seconds, 0 for never) may be removed by the store after that time.
   */
  record Claim(String key, String owner, long expiresAt) implements ThingWrite {}

  /** Gives up {@code key}; its condition: {@code owner} holds it, or nobody does. */
  record Release(String key, String owner) implements ThingWrite {}

  /**
   * Lists thing {@code id} under {@code index} (one indexed value of one field), so a search of
   * that index finds it; no condition, and listing it twice lists it once.
   */
  record AddToIndex(String index, String id) implements ThingWrite {}

  /** Takes thing {@code id} off {@code index}; no condition. */
  record RemoveFromIndex(String index, String id) implements ThingWrite {}
}
