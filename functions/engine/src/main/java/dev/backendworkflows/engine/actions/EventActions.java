package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.runlog.RunStatus;
import java.util.List;
import java.util.Set;

/** {@code trigger_event}: Bubble's custom events, reusable units run inside the current run. */
public final class EventActions {
  /** How deep custom events may call custom events (cycles are definition errors; this bounds long chains). */
  public static final int MAX_DEPTH = 8;

  private EventActions() {}

  public static List<Action> all() {
    return List.of(new TriggerEvent());
  }

  /**
   * Runs the custom event {@code event} with {@code params}, synchronously, as a run of its own
   * (its own run record, caller {@code run:<this run>}). Its {@code return} data is this step's
   * result; a terminate inside it ends only the event; its failure fails this step. The event's run
   * id derives from (run, step) and it runs in this run's invocation, so a replay of this step
   * continues the event's own journal (or takes its stored outcome) instead of running it twice.
   */
  static final class TriggerEvent implements Action {
    public String name() {
      return "trigger_event";
    }

    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of(); // the event runs in this function: its own steps count towards it (WorkflowAccess)
    }

    public Object execute(ActionContext ctx) {
      String event = ctx.text("event");
      var target = ctx.workflows().get(event)
          .orElseThrow(() -> new ActionException("unknown_workflow", "no custom event named '" + event + "'"));
      if (target.trigger().kind() != Trigger.Kind.CUSTOM_EVENT) {
        throw new ActionException("not_a_custom_event", "'" + event + "' is not a custom event (trigger: custom_event)");
      }
      if (ctx.depth() + 1 > MAX_DEPTH) {
        throw new ActionException("event_depth_exceeded", "custom events nest deeper than " + MAX_DEPTH + " at '" + event + "'");
      }
      RunOutcome outcome;
      String eventRunId = ctx.derivedId("event");
      RunRequest request = new RunRequest(event, ctx.object("params"), "custom_event", "run:" + ctx.runId(), ctx.user(),
          ctx.depth() + 1).as(eventRunId, ctx.invocation());
      try {
        outcome = ctx.engine().run(request);
        if (outcome.kind() == RunOutcome.Kind.REPLAYED && outcome.record().status() == RunStatus.FAILED
            && (ctx.previousError() != null || "parent_ended".equals(outcome.record().error().code()))) {
          // this step is retried, or the event was ended because this run had ended: the event is retried with it
          WorkflowEngine.reopen(ctx.services().runs(), eventRunId);
          outcome = ctx.engine().run(request);
        }
      } catch (WorkflowEngine.RejectedRunException e) {
        throw new ActionException("invalid_parameters", "parameters for custom event '" + event + "': " + e.getMessage());
      }
      if (outcome.kind() == RunOutcome.Kind.FENCED) {
        throw new dev.backendworkflows.execution.FencedOutException(ctx.runId(), 0);
      }
      if (outcome.kind() == RunOutcome.Kind.IN_PROGRESS) {
        throw new ActionException("event_in_progress", "custom event '" + event + "' (run " + outcome.record().runId()
            + ") is held by another live attempt");
      }
      if (outcome.record().status() == RunStatus.FAILED) {
        throw new ActionException(outcome.record().error().code(), "custom event '" + event + "' (run " + outcome.record().runId()
            + ") failed: " + outcome.record().error().message());
      }
      return outcome.response();
    }
  }
}
