package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The data actions: get, search, create, update ("make changes to a thing") and delete. */
public final class DataActions {
  private DataActions() {}

  public static List<Action> all() {
    return List.of(new GetThing(), new SearchThings(), new CountThings(), new CreateThing(), new UpdateThing(), new DeleteThing(), new UpdateThings(),
        new DeleteThings());
  }

  /** What a recovered step reports for a thing it wrote that has since been deleted. */
  private static Map<String, Object> missing(String type, String id) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("_id", id);
    view.put("_type", type);
    view.put("_missing", true);
    return view;
  }

  private static DataType type(ActionContext ctx) {
    String name = ctx.text("type");
    DataType type = ctx.workflows().types().get(name);
    if (type == null) { // the loader rejects this; kept so a direct caller gets a clear error too
      throw new ActionException("unknown_type", "unknown type '" + name + "'");
    }
    return type;
  }

  /** Argument {@code name}: a whole number from 1 to {@code most}, or {@code absent} when not given. */
  private static int wholeNumber(ActionContext ctx, String name, int absent, int most) {
    Object value = ctx.arg(name);
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Number n) || n.doubleValue() < 1 || n.doubleValue() > most || n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ActionException("invalid_argument", name + " must be a whole number from 1 to " + most + ", got " + value);
    }
    return n.intValue();
  }

  /** A data action: its function is granted the Things table. */
  private abstract static class ThingAction implements Action {
    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of(Access.THINGS);
    }
  }

  /** Reads one thing; nothing when it does not exist ({@code $exists($steps.x)} is false, so an "only when" can test for it). */
  static final class GetThing extends ThingAction {
    public String name() {
      return "get_thing";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Privacy privacy = Privacy.of(ctx);
      return ctx.services().things().get(type.name(), ctx.text("thing_id")).map(t -> privacy.view(type, t)).orElse(null);
    }
  }

  /** Marks a result {@code scan: true} when no index served it: it read every thing of its type, and the run log shows that. */
  private static void scanned(Map<String, Object> result, String index) {
    if (index == null) {
      result.put("scan", true);
    }
  }

  /**
   * Searches one type: {@code {items, count, cursor, scan}}, without {@code cursor} on the last page
   * and without {@code scan} when an index served it.
   */
  static final class SearchThings extends ThingAction {
    public String name() {
      return "search_things";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      List<Constraint> constraints = Constraint.fromPlain(ctx.arg("constraints"));
      Map<String, Object> sort = ctx.object("sort");
      int limit = wholeNumber(ctx, "limit", 100, ThingQuery.MAX_LIMIT);
      Object cursor = ctx.arg("cursor");
      String index = Indexes.choose(ctx.services().things(), type, constraints);
      Privacy privacy = Privacy.of(ctx);
      String sortField = (String) sort.get("field");
      ThingPage page = ctx.services().things().search(new ThingQuery(type.name(), constraints,
          sortField, Boolean.TRUE.equals(sort.get("descending")), limit,
          cursor == null || cursor.toString().isBlank() ? null : cursor.toString(), index,
          privacy.findable(type, constraints, sortField)));
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("items", page.things().stream().map(t -> privacy.view(type, t)).toList());
      result.put("count", page.things().size());
      if (page.cursor() != null) { // the last page has none: nothing, so $exists($steps.s.cursor) ends a walk
        result.put("cursor", page.cursor());
      }
      scanned(result, index);
      return result;
    }
  }

  /**
   * Counts the things of a type that constraints find, exactly (Bubble's {@code :count}):
   * {@code {count, read, scan}}, {@code read} being how many things the store read for it — those an
   * index lists, or every thing of the type ({@code scan: true}) — so the run log shows what a count costs.
   */
  static final class CountThings extends ThingAction {
    public String name() {
      return "count_things";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      List<Constraint> constraints = Constraint.fromPlain(ctx.arg("constraints"));
      String index = Indexes.choose(ctx.services().things(), type, constraints);
      Privacy privacy = Privacy.of(ctx);
      dev.backendworkflows.data.ThingCount c = ctx.services().things().count(new ThingQuery(type.name(), constraints, null, false, 1,
          null, index, privacy.findable(type, constraints, null)));
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("count", c.count());
      if (!privacy.enforced(type)) { // what was read includes things this user may not see: their number is not theirs to know
        result.put("read", c.read());
      }
      scanned(result, index);
      return result;
    }
  }

  /**
   * Creates a thing. Its id is time-ordered and derived from (run, step), so a replay of the step
   * after a crash finds the thing it created instead of creating a second one.
   */
  static final class CreateThing extends ThingAction {
    public String name() {
      return "create_thing";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Map<String, Object> fields = new LinkedHashMap<>(ThingFields.check(type, ctx.object("fields")));
      fields.values().removeIf(java.util.Objects::isNull);
      Instant at = ctx.startedAt();
      String id = ctx.derivedId();
      Object onConflict = ctx.arg("on_conflict");
      if (onConflict != null && !onConflict.equals("fail") && !onConflict.equals("return_existing")) {
        throw new ActionException("invalid_argument", "on_conflict must be fail or return_existing, got " + onConflict);
      }
      Privacy privacy = Privacy.of(ctx);
      Thing thing = new Thing(type.name(), id, fields, at, at);
      privacy.require(type, "create", newView(thing));
      ThingRules.Created created;
      try {
        created = ThingRules.create(ctx.thingWriter(), type, thing, "return_existing".equals(onConflict), ctx.idempotencyKey(),
            ctx.services().clock().instant());
      } catch (ThingAlreadyExistsException createdBefore) {
        // only this step of this run derives this id: an earlier attempt created it (before receipts were taken)
        return ctx.services().things().get(type.name(), id).<Object>map(t -> shown(privacy, type, t)).orElseGet(() -> missing(type.name(), id));
      }
      Thing made = created.thing();
      if (created.before()) { // made by an earlier attempt of this step (perhaps deleted since)
        return made == null ? missing(type.name(), created.id()) : shown(privacy, type, made);
      }
      if (!made.id().equals(id) && !privacy.readable(type, made)) { // the thing that has the value is not this user's to see
        String field = type.uniqueFields().stream().filter(f -> java.util.Objects.equals(made.fields().get(f), fields.get(f)))
            .findFirst().orElse(type.uniqueFields().getFirst());
        throw new dev.backendworkflows.exceptions.UniqueViolationException(type.name(), field);
      }
      return shown(privacy, type, made);
    }

    /** Reads back the thing the step created (named by its receipt); one deleted since is reported missing, not made again. */
    @Override
    public Object recover(ActionContext ctx) {
      DataType type = type(ctx);
      Privacy privacy = Privacy.of(ctx);
      return ThingRules.created(ctx.services().things(), type.name(), ctx.idempotencyKey())
          .or(() -> ctx.services().things().get(type.name(), ctx.derivedId())) // made before receipts were taken
          .<Object>map(t -> shown(privacy, type, t)).orElseGet(() -> missing(type.name(), ctx.derivedId()));
    }

    /** Its receipt names the thing it made, so a replay finds it without a journal mark. */
    @Override
    public boolean findsItsOwnEffect() {
      return true;
    }
  }

  /** What a privacy rule's {@code $thing} is for a thing not yet created: its fields, type and id. */
  private static Map<String, Object> newView(Thing thing) {
    Map<String, Object> view = new LinkedHashMap<>(thing.fields());
    view.put("_id", thing.id());
    view.put("_type", thing.type());
    return view;
  }

  /** What a step that wrote {@code thing} gives back: the user's view of it, or only its id and type when they may not read it. */
  private static Map<String, Object> shown(Privacy privacy, DataType type, Thing thing) {
    Map<String, Object> view = privacy.view(type, thing);
    if (view != null) {
      return view;
    }
    Map<String, Object> bare = new LinkedHashMap<>();
    bare.put("_id", thing.id());
    bare.put("_type", thing.type());
    return bare;
  }

  /**
   * Checks a change or delete of thing {@code id} against the privacy rules: one the user may not
   * read is, to them, not there ({@code null}); one they may read but the rule refuses fails with
   * {@code forbidden_by_privacy}. A change must be allowed on the thing both as it is and as it
   * would be ({@code after}: the changes it makes; null for a delete), so nobody hands a thing over.
   *
   * @return the thing as it is, or null when it is not there for this user (or at all)
   */
  private static Thing checked(ActionContext ctx, Privacy privacy, DataType type, String rule, String id,
      Map<String, Object> set, Map<String, java.math.BigDecimal> add) {
    Thing current = ctx.services().things().get(type.name(), id).orElse(null);
    if (current == null || !privacy.enforced(type)) {
      return current;
    }
    if (!privacy.readable(type, current)) {
      return null;
    }
    checkOn(privacy, type, rule, current, set, add);
    return current;
  }

  /** Rule {@code rule} on {@code current}, and for a change on it as it would be after {@code set} and {@code add}. */
  private static void checkOn(Privacy privacy, DataType type, String rule, Thing current, Map<String, Object> set,
      Map<String, java.math.BigDecimal> add) {
    privacy.require(type, rule, current.view());
    if (set != null) {
      Map<String, Object> after = new dev.backendworkflows.data.ThingWrite.Change(type.name(), current.id(), set, add, null,
          current.modifiedAt()).applyTo(current.view());
      privacy.require(type, rule, after);
    }
  }

  /** Changes named fields of an existing thing; a null value clears a field. */
  static final class UpdateThing extends ThingAction {
    public String name() {
      return "update_thing";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Map<String, Object> changes = ctx.has("fields") ? ThingFields.check(type, ctx.object("fields")) : Map.of();
      Map<String, java.math.BigDecimal> increments = ctx.has("increment") ? ThingFields.increments(type, ctx.object("increment"), changes)
          : Map.of();
      if (changes.isEmpty() && increments.isEmpty()) {
        throw new ActionException("invalid_argument", "update_thing needs fields or increment to change");
      }
      // an if_version that yields nothing (an optional parameter not given) sets no condition
      Long ifVersion = ctx.arg("if_version") != null ? (long) wholeNumber(ctx, "if_version", 1, Integer.MAX_VALUE) : null;
      Privacy privacy = Privacy.of(ctx);
      if (privacy.enforced(type) && checked(ctx, privacy, type, "change", ctx.text("thing_id"), changes, increments) == null) {
        throw new dev.backendworkflows.exceptions.ThingNotFoundException(type.name(), ctx.text("thing_id"));
      }
      return shown(privacy, type, ThingRules.change(ctx.thingWriter(), type, ctx.text("thing_id"), changes, increments, ifVersion,
          ctx.idempotencyKey(), ctx.services().clock().instant()));
    }

    /** Reads back the thing as it is now, changing nothing; one deleted since is reported missing. */
    @Override
    public Object recover(ActionContext ctx) {
      DataType type = type(ctx);
      Privacy privacy = Privacy.of(ctx);
      String id = ctx.text("thing_id");
      return ctx.services().things().get(type.name(), id).<Object>map(t -> shown(privacy, type, t))
          .orElseGet(() -> missing(type.name(), id));
    }
  }

  /**
   * Deletes a thing: {@code {deleted: true|false}}. Replayed after a crash, a thing already gone
   * counts as deleted (the earlier attempt most likely deleted it).
   */
  static final class DeleteThing extends ThingAction {
    public String name() {
      return "delete_thing";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Privacy privacy = Privacy.of(ctx);
      if (privacy.enforced(type) && checked(ctx, privacy, type, "delete", ctx.text("thing_id"), null, null) == null) {
        return Map.of("deleted", ctx.replaying()); // not there for this user: as for a thing that does not exist
      }
      boolean deleted = ThingRules.remove(ctx.thingWriter(), type, ctx.text("thing_id"));
      return Map.of("deleted", deleted || ctx.replaying());
    }

    @Override
    public Object recover(ActionContext ctx) {
      return Map.of("deleted", true);
    }
  }

  /** How many things one bulk step changes unless it says otherwise, and at most. */
  static final int DEFAULT_BULK_MAX = 1_000;
  static final int BULK_MAX = 10_000;
  private static final int BULK_PAGE = 100;

  /**
   * The things a bulk step works on: those of its type its constraints find, in creation order, a
   * page at a time by cursor (an update or delete behind the cursor never shifts what comes next),
   * at most {@code max}. Each is handed to {@code each}, which says whether it changed it.
   *
   * @return {@code {<counted>: n, more: whether things past max are left}}
   */
  private static Map<String, Object> bulk(ActionContext ctx, String counted, Map<String, Object> changes,
      java.util.function.Predicate<Thing> each) {
    DataType type = type(ctx);
    List<Constraint> constraints = Constraint.fromPlain(ctx.arg("constraints"));
    int max = wholeNumber(ctx, "max", DEFAULT_BULK_MAX, BULK_MAX);
    String index = Indexes.choose(ctx.services().things(), type, constraints);
    Privacy privacy = Privacy.of(ctx);
    int seen = 0;
    int changed = 0;
    String cursor = null;
    boolean more;
    do {
      ThingPage page = ctx.services().things().search(new ThingQuery(type.name(), constraints, null, false,
          Math.min(BULK_PAGE, max - seen), cursor, index, privacy.findable(type, constraints, null)));
      for (Thing t : page.things()) {
        seen++;
        if (privacy.enforced(type)) { // found, so readable: the rule decides (a change also as it would be after)
          checkOn(privacy, type, changes == null ? "delete" : "change", t, changes, Map.of());
        }
        if (each.test(t)) {
          changed++;
        }
      }
      cursor = page.cursor();
      more = cursor != null;
    } while (more && seen < max);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put(counted, changed);
    result.put("more", more);
    scanned(result, index);
    return result;
  }

  /**
   * {@code delete_things}: deletes every thing of a type that a search finds, at most {@code max}
   * (default 1,000, up to 10,000): {@code {deleted, more}}. Replayed after a crash the step finds
   * only what is left, so each thing is deleted once; {@code deleted} then counts what the
   * finishing attempt deleted.
   */
  static final class DeleteThings extends ThingAction {
    public String name() {
      return "delete_things";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      return bulk(ctx, "deleted", null, t -> ThingRules.remove(ctx.thingWriter(), type, t.id()));
    }
  }

  /**
   * {@code update_things}: makes the same changes ({@code fields}, evaluated once) to every thing of
   * a type that a search finds, at most {@code max}: {@code {updated, more}}. A thing that already
   * has every value is left alone and not counted, so a replay after a crash writes each change once.
   */
  static final class UpdateThings extends ThingAction {
    public String name() {
      return "update_things";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Map<String, Object> changes = ThingFields.check(type, ctx.object("fields"));
      Privacy privacy = Privacy.of(ctx);
      return bulk(ctx, "updated", changes, t -> {
        // compared with what this user may see, so the count tells nothing of hidden values
        Map<String, Object> seen = privacy.enforced(type) ? privacy.view(type, t) : t.fields();
        boolean same = changes.entrySet().stream().allMatch(c -> java.util.Objects.equals(seen.get(c.getKey()), c.getValue()));
        if (same) {
          return false;
        }
        try {
          ThingRules.change(ctx.thingWriter(), type, t.id(), changes, Map.of(), null, null, ctx.services().clock().instant());
          return true;
        } catch (dev.backendworkflows.exceptions.ThingNotFoundException deletedMeanwhile) {
          return false;
        }
      });
    }
  }
}
