package dev.backendworkflows.engine.actions;

import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.Scheduling;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Bubble's "Schedule API workflow" and "Cancel a scheduled API workflow". */
public final class ScheduleActions {
  private ScheduleActions() {}

  public static List<Action> all() {
    return List.of(new ScheduleWorkflow(), new CancelScheduled());
  }

  static Map<String, Object> view(ScheduledRun run) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", run.id());
    out.put("workflow", run.workflow());
    out.put("due_at", run.dueAt().toString());
    out.put("status", run.status().wire());
    return out;
  }

  /**
   * Schedules {@code workflow} with {@code params} at {@code at} or {@code after} a duration; the
   * result's {@code id} cancels it. A time in the past runs as soon as possible.
   */
  static final class ScheduleWorkflow implements Action {
    public String name() {
      return "schedule_workflow";
    }

    public Object execute(ActionContext ctx) {
      Instant now = ctx.services().clock().instant();
      Instant due = Scheduling.dueAt(ctx.arg("at"), ctx.arg("after"), now);
      // a run started by a scheduled run continues that run's chain
      String chain = ctx.caller() != null && ctx.caller().startsWith("scheduled:")
          ? ctx.services().schedules().get(ctx.caller().substring("scheduled:".length())).map(ScheduledRun::chainId).orElse(null)
          : null;
      ScheduledRun run = new Scheduling(ctx.services(), ctx.workflows())
          .schedule(ctx.text("workflow"), ctx.object("params"), due, "run:" + ctx.runId(), chain);
      return view(run);
    }
  }

  /** Cancels a pending scheduled run; cancelling an unknown or finished one fails the step. */
  static final class CancelScheduled implements Action {
    public String name() {
      return "cancel_scheduled";
    }

    public Object execute(ActionContext ctx) {
      return view(new Scheduling(ctx.services(), ctx.workflows()).cancel(ctx.text("scheduled_id")));
    }
  }
}
