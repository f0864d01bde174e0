package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.Batches;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.Scheduling;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Bubble's "Schedule API workflow" and "Cancel a scheduled API workflow". */
public final class ScheduleActions {
  private ScheduleActions() {}

  public static List<Action> all() {
    return List.of(new ScheduleWorkflow(), new CancelScheduled(), new SetRecurring(), new CancelRecurring(), new ScheduleOnList());
  }

  static Map<String, Object> view(ScheduledRun run) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", run.id());
    out.put("workflow", run.workflow());
    out.put("due_at", run.dueAt().toString());
    out.put("status", run.status().wire());
    out.put("chain_id", run.chainId());
    out.put("iteration", run.iteration());
    return out;
  }

  /** A scheduling action: its function is granted the Schedules table and EventBridge Scheduler. */
  private abstract static class SchedulingAction implements Action {
    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of(Access.SCHEDULES, Access.SCHEDULER);
    }
  }

  /**
   * Schedules {@code workflow} with {@code params} at {@code at} or {@code after} a duration; the
   * result's {@code id} cancels it. A time in the past runs as soon as possible. The id derives from
   * (run, step), so a replay after a crash finds the run it scheduled.
   */
  static final class ScheduleWorkflow extends SchedulingAction {
    public String name() {
      return "schedule_workflow";
    }

    public Object execute(ActionContext ctx) {
      Privacy.requireSystem(ctx, "schedule a workflow");
      Instant now = ctx.services().clock().instant();
      Instant due = Scheduling.dueAt(ctx.arg("at"), ctx.arg("after"), now);
      // a run started by a scheduled run continues that run's chain, one iteration further; a batch
      // item's follow-up starts a chain of its own (the job is no chain to extend: each item would spend its budget)
      var parent = (ctx.caller() != null && ctx.caller().startsWith("scheduled:")
          ? ctx.services().schedules().get(ctx.caller().substring("scheduled:".length())) : java.util.Optional.<ScheduledRun>empty())
          .filter(p -> p.kind() == ScheduledRun.Kind.RUN);
      ScheduledRun run = new Scheduling(ctx.services(), ctx.workflows()).schedule(ctx.derivedId(), ctx.text("workflow"),
          ctx.object("params"), due, "run:" + ctx.runId(), parent.map(ScheduledRun::chainId).orElse(null),
          parent.map(p -> p.iteration() + 1).orElse(1));
      return view(run);
    }
  }

  static Map<String, Object> view(dev.backendworkflows.schedule.RecurringEvent e, Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", e.id());
    out.put("workflow", e.workflow());
    out.put("schedule", e.schedule());
    out.put("timezone", e.timezone());
    e.expression().next(now.isBefore(e.start()) ? e.start().minusNanos(1) : now, e.start())
        .ifPresent(next -> out.put("next_at", next.toString()));
    return out;
  }

  /**
   * Bubble's "Set a recurring event": runs {@code workflow} daily, weekly, monthly (at the time of
   * day, weekday or day of month of {@code start}) or on a {@code cron}, in {@code timezone}, for
   * the thing {@code type}/{@code thing_id}. Setting it again for the same thing replaces it.
   */
  static final class SetRecurring extends SchedulingAction {
    public String name() {
      return "set_recurring";
    }

    public Object execute(ActionContext ctx) {
      Privacy.requireSystem(ctx, "set a recurring event");
      Instant now = ctx.services().clock().instant();
      Object start = ctx.arg("start");
      Instant from = start == null ? now : Scheduling.dueAt(start, null, now);
      var event = new dev.backendworkflows.schedule.Recurrences(ctx.services(), ctx.workflows()).set(ctx.text("workflow"),
          (String) ctx.arg("type"), ctx.has("thing_id") ? ctx.text("thing_id") : null, ctx.text("frequency"),
          (String) ctx.arg("cron"), (String) ctx.arg("timezone"), from, ctx.object("params"), "run:" + ctx.runId());
      return view(event, now);
    }
  }

  /**
   * Cancels the recurring event of {@code workflow} on a thing; an unknown one fails the step, unless
   * this is a replay after a crash (the earlier attempt most likely cancelled it).
   */
  static final class CancelRecurring extends SchedulingAction {
    public String name() {
      return "cancel_recurring";
    }

    public Object execute(ActionContext ctx) {
      Privacy.requireSystem(ctx, "cancel a recurring event");
      String thingId = ctx.has("thing_id") ? ctx.text("thing_id") : null;
      try {
        var event = new dev.backendworkflows.schedule.Recurrences(ctx.services(), ctx.workflows())
            .cancel(ctx.text("workflow"), (String) ctx.arg("type"), thingId);
        return Map.of("id", event.id(), "cancelled", true);
      } catch (dev.backendworkflows.exceptions.ActionException e) {
        if (ctx.replaying() && e.code().equals("recurring_not_found")) {
          return Map.of("id", dev.backendworkflows.schedule.RecurringEvent.idFor(ctx.text("workflow"), (String) ctx.arg("type"),
              thingId), "cancelled", true);
        }
        throw e;
      }
    }
  }

  /**
   * Bubble's "Schedule API workflow on a list": runs {@code workflow} once per item of {@code list}
   * (as parameter {@code item_param}, with {@code params}) as a throttled batch job of
   * {@code batch_size} items per chunk at {@code rate} items per second and/or one chunk per
   * {@code interval}. The result is {@code {id, total, chunks, rate}}; {@code GET /batches/{id}} follows it.
   */
  static final class ScheduleOnList extends SchedulingAction {
    public String name() {
      return "schedule_on_list";
    }

    @Override
    public Set<Access> access(StepDefinition step) {
      return step.rawArgs().containsKey("search") ? Set.of(Access.SCHEDULES, Access.SCHEDULER, Access.THINGS)
          : Set.of(Access.SCHEDULES, Access.SCHEDULER);
    }

    public Object execute(ActionContext ctx) {
      Privacy.requireSystem(ctx, "start a batch job");
      Batches batches = new Batches(ctx.services(), ctx.workflows());
      Object size = ctx.arg("batch_size");
      Object rate = ctx.arg("rate");
      Object interval = ctx.arg("interval");
      java.time.Duration every = null;
      if (interval != null) {
        try {
          every = java.time.Duration.parse(String.valueOf(interval));
        } catch (java.time.format.DateTimeParseException e) {
          throw new dev.backendworkflows.exceptions.ActionException("invalid_argument", "'interval' must be an ISO-8601 duration such as PT10S, got " + interval);
        }
      }
      int batchSize = size instanceof Number n ? n.intValue() : 100;
      Double perSecond = rate instanceof Number r ? r.doubleValue() : null;
      BatchJob job;
      if (ctx.has("search")) {
        Map<String, Object> search = ctx.object("search");

        job = batches.startSearch(ctx.derivedId(), ctx.text("workflow"), new ThingQuery((String) search.get("type"),
            Constraint.fromPlain(search.get("constraints")), null, false,
            Math.min(batchSize, ThingQuery.MAX_LIMIT), null), ctx.text("item_param"), ctx.object("params"), batchSize, perSecond,
            every, "run:" + ctx.runId());
      } else {
        // JSONata yields nothing for a path over no results and a single value over one: both are lists here
        Object list = ctx.arg("list");
        List<?> items = list == null ? List.of() : list instanceof List<?> l ? l : List.of(list);
        job = batches.start(ctx.derivedId(), ctx.text("workflow"), items, ctx.text("item_param"), ctx.object("params"), batchSize,
            perSecond,
            every, "run:" + ctx.runId());
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("id", job.id());
      out.put("total", job.total());
      out.put("chunks", job.chunks());
      out.put("rate", job.rate());
      return out;
    }
  }

  /**
   * Cancels a pending scheduled run; result: the run's view with {@code cancelled} (whether this
   * step cancelled it). A run that started, ended or was cancelled already is left as it is, and
   * the step succeeds with {@code cancelled: false}; only an unknown id fails it.
   */
  static final class CancelScheduled extends SchedulingAction {
    public String name() {
      return "cancel_scheduled";
    }

    public Object execute(ActionContext ctx) {
      Privacy.requireSystem(ctx, "cancel a scheduled run");
      Scheduling.Cancellation c = new Scheduling(ctx.services(), ctx.workflows()).cancel(ctx.text("scheduled_id"));
      Map<String, Object> out = view(c.run());
      out.put("cancelled", c.cancelled());
      return out;
    }
  }
}
