package dev.backendworkflows.datachange;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.definition.Trigger.ChangeEvent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One committed change to a thing, as a data_change trigger is given it: its {@code sequence} in
 * the store's change feed (a DynamoDB stream record's sequence number, or the local store's), the
 * thing {@code before} (null when created) and {@code after} (null when deleted), the trigger
 * {@code depth} of the run that wrote it (0 for a change no triggered run made), and when it was made.
 */
public record ThingChange(String sequence, ChangeEvent event, String type, String id, Thing before, Thing after, int depth,
    Instant at) {
  public ThingChange {
    Objects.requireNonNull(sequence, "sequence");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(at, "at");
  }

  /** The change from {@code before} to {@code after} (either may be null, not both). */
  public static ThingChange of(String sequence, Thing before, Thing after, int depth, Instant at) {
    Thing some = after != null ? after : Objects.requireNonNull(before, "a change needs a thing before or after it");
    ChangeEvent event = before == null ? ChangeEvent.CREATED : after == null ? ChangeEvent.DELETED : ChangeEvent.CHANGED;
    return new ThingChange(sequence, event, some.type(), some.id(), before, after, depth, at);
  }

  /** {@code $change}: its event, type, id and sequence. */
  public Map<String, Object> view() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("event", event.wire());
    v.put("type", type);
    v.put("id", id);
    v.put("sequence", sequence);
    return v;
  }

  /** The parameters of the run it starts: {@code old} and {@code new} (each absent when there is no such thing) and {@code change}. */
  public Map<String, Object> params() {
    Map<String, Object> p = new LinkedHashMap<>();
    if (before != null) {
      p.put("old", before.view());
    }
    if (after != null) {
      p.put("new", after.view());
    }
    p.put("change", view());
    return p;
  }

  /** Whether a field of the thing differs between before and after (a create or delete changes every field it has). */
  public boolean changed(String field) {
    Object was = before == null ? null : before.fields().get(field);
    Object is = after == null ? null : after.fields().get(field);
    return !Objects.equals(was, is);
  }

  /** {@code $old}, {@code $new} and {@code $change} from a data_change run's parameters (each unbound when absent). */
  public static Map<String, Object> variables(Map<String, Object> params) {
    Map<String, Object> vars = new java.util.HashMap<>();
    for (String name : java.util.List.of("old", "new", "change")) {
      if (params.get(name) != null) {
        vars.put(name, params.get(name));
      }
    }
    return vars;
  }
}
