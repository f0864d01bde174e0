package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Constraint;
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
    return List.of(new GetThing(), new SearchThings(), new CreateThing(), new UpdateThing(), new DeleteThing());
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

  /** A data action: its function is granted the Things table. */
  private abstract static class ThingAction implements Action {
    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of(Access.THINGS);
    }
  }

  /** Reads one thing; null when it does not exist (so an "only when" can test for it). */
  static final class GetThing extends ThingAction {
    public String name() {
      return "get_thing";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      return ctx.services().things().get(type(ctx).name(), ctx.text("thing_id")).map(Thing::view).orElse(null);
    }
  }

  /** Searches one type: {@code {items, count, cursor}}. */
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
      Object limitValue = ctx.arg("limit");
      int limit = 100;
      if (limitValue != null) {
        if (!(limitValue instanceof Number n) || n.doubleValue() < 1 || n.doubleValue() > ThingQuery.MAX_LIMIT
            || n.doubleValue() != Math.rint(n.doubleValue())) {
          throw new ActionException("invalid_argument", "limit must be a number from 1 to " + ThingQuery.MAX_LIMIT + ", got " + limitValue);
        }
        limit = n.intValue();
      }
      Object cursor = ctx.arg("cursor");
      ThingPage page = ctx.services().things().search(new ThingQuery(type.name(), constraints,
          (String) sort.get("field"), Boolean.TRUE.equals(sort.get("descending")), limit,
          cursor == null || cursor.toString().isBlank() ? null : cursor.toString()));
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("items", page.things().stream().map(Thing::view).toList());
      result.put("count", page.things().size());
      result.put("cursor", page.cursor());
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
      try {
        return ctx.services().things().create(new Thing(type.name(), id, fields, at, at)).view();
      } catch (ThingAlreadyExistsException createdBefore) {
        // only this step of this run derives this id: an earlier attempt created it
        return ctx.services().things().get(type.name(), id).map(Thing::view)
            .orElseGet(() -> ctx.services().things().create(new Thing(type.name(), id, fields, at, at)).view());
      }
    }

    /** Reads back the thing the step created (its id is derived); one deleted since is reported missing, not made again. */
    @Override
    public Object recover(ActionContext ctx) {
      String type = type(ctx).name();
      return ctx.services().things().get(type, ctx.derivedId()).<Object>map(Thing::view).orElseGet(() -> missing(type, ctx.derivedId()));
    }
  }

  /** Changes named fields of an existing thing; a null value clears a field. */
  static final class UpdateThing extends ThingAction {
    public String name() {
      return "update_thing";
    }

    public Object execute(ActionContext ctx) {
      DataType type = type(ctx);
      Map<String, Object> changes = ThingFields.check(type, ctx.object("fields"));
      return ctx.services().things().update(type.name(), ctx.text("thing_id"), changes, ctx.services().clock().instant()).view();
    }

    /** Reads back the thing as it is now, changing nothing; one deleted since is reported missing. */
    @Override
    public Object recover(ActionContext ctx) {
      String type = type(ctx).name();
      String id = ctx.text("thing_id");
      return ctx.services().things().get(type, id).<Object>map(Thing::view).orElseGet(() -> missing(type, id));
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
      boolean deleted = ctx.services().things().delete(type(ctx).name(), ctx.text("thing_id"));
      return Map.of("deleted", deleted || ctx.replaying());
    }

    @Override
    public Object recover(ActionContext ctx) {
      return Map.of("deleted", true);
    }
  }
}
