package dev.backendworkflows.schedule;

import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.internal.Ids;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * Schedules, cancels and retries runs. The record is written first; only then is delivery arranged
 * (a run due now or in the past is dispatched at once instead of through the scheduler). The
 * target's parameters are checked when scheduling, so a bad call fails now, not at 3 a.m.
 */
public final class Scheduling {
  private final Services services;
  private final Workflows workflows;

  public Scheduling(Services services, Workflows workflows) {
    this.services = services;
    this.workflows = workflows;
  }

  /**
   * @throws ActionException {@code unknown_workflow}, {@code not_schedulable} (custom events are
   *     not runs of their own), {@code invalid_parameters}, {@code delivery_failed}
   */
  public ScheduledRun schedule(String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy, String chainId) {
    return schedule(workflow, params, dueAt, scheduledBy, chainId, 1);
  }

  /**
   * Schedules the {@code iteration}-th run of a chain.
   *
   * @throws ActionException also {@code chain_cancelled}, and {@code chain_limit_reached} when the
   *     iteration passes the target's {@code max_iterations} (a recursion without exit stops there)
   */
  public ScheduledRun schedule(String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy, String chainId,
      int iteration) {
    WorkflowDefinition target = schedulable(workflows, workflow);
    if (chainId != null && services.schedules().chainCancelled(chainId)) {
      throw new ActionException("chain_cancelled", "chain " + chainId + " was cancelled; its runs schedule nothing more");
    }
    if (iteration > target.maxIterations()) {
      throw new ActionException("chain_limit_reached", "chain " + chainId + " reached max_iterations (" + target.maxIterations()
          + ") of '" + workflow + "': not scheduling run " + iteration + "; raise max_iterations, or give the recursion an exit");
    }
    Map<String, Object> bound;
    try {
      bound = ParameterBinder.bind(target, params);
    } catch (InvalidInputException e) {
      throw new ActionException("invalid_parameters", "parameters for '" + workflow + "': " + e.getMessage() + " ("
          + String.join("; ", e.fields().stream().map(f -> f.field() + " " + f.message()).toList()) + ")");
    }
    Instant now = services.clock().instant();
    String id = Ids.newId(now);
    ScheduledRun run = ScheduledRun.pending(id, workflow, bound, dueAt, scheduledBy, chainId == null ? id : chainId, now, iteration);
    services.schedules().create(run);
    try {
      if (!dueAt.isAfter(now)) {
        services.dispatcher().dispatchNow(id, workflow);
      } else {
        services.scheduler().deliverAt(id, workflow, dueAt);
      }
    } catch (RuntimeException e) {
      // nothing silently lost: the record says the delivery could not be arranged, and can be retried
      services.schedules().claim(id, now);
      services.schedules().finish(id, ScheduleStatus.FAILED, null, new dev.backendworkflows.runlog.ErrorInfo(
          "delivery_failed", "could not arrange delivery: " + e.getMessage()), now, services.expiry());
      throw new ActionException("delivery_failed", "scheduled run " + id + " could not be handed to the scheduler: " + e.getMessage(), e);
    }
    return run;
  }

  /**
   * The workflow a schedule, recurring event or batch job may run.
   *
   * @throws ActionException {@code unknown_workflow}, or {@code not_schedulable} for custom events
   *     (they are not runs of their own)
   */
  static WorkflowDefinition schedulable(Workflows workflows, String workflow) {
    WorkflowDefinition target = workflows.get(workflow)
        .orElseThrow(() -> new ActionException("unknown_workflow", "no workflow named '" + workflow + "'"));
    if (target.trigger().kind() == Trigger.Kind.CUSTOM_EVENT) {
      throw new ActionException("not_schedulable", "'" + workflow + "' is a custom event; run it with trigger_event");
    }
    return target;
  }

  /** Cancels a chain: marks it so its running runs schedule nothing more, and cancels its pending runs. */
  public List<ScheduledRun> cancelChain(String chainId) {
    services.schedules().cancelChain(chainId);
    for (ScheduledRun run : services.schedules().chain(chainId)) {
      if (run.status() == ScheduleStatus.PENDING && services.schedules().cancel(run.id(), services.clock().instant(), services.expiry())) {
        services.scheduler().cancel(run.id());
      }
    }
    return services.schedules().chain(chainId);
  }

  /** @throws ActionException {@code schedule_not_found} or {@code schedule_not_pending} */
  public ScheduledRun cancel(String id) {
    ScheduledRun run = services.schedules().get(id)
        .orElseThrow(() -> new ActionException("schedule_not_found", "no scheduled run with id '" + id + "'"));
    if (!services.schedules().cancel(id, services.clock().instant(), services.expiry())) {
      ScheduledRun now = services.schedules().get(id).orElse(run);
      throw new ActionException("schedule_not_pending", "scheduled run " + id + " is " + now.status().wire() + ", not pending");
    }
    services.scheduler().cancel(id);
    return services.schedules().get(id).orElseThrow();
  }

  /** Puts a failed run back on the schedule, due now. @throws ActionException when it is not failed */
  public ScheduledRun retry(String id) {
    ScheduledRun run = services.schedules().get(id)
        .orElseThrow(() -> new ActionException("schedule_not_found", "no scheduled run with id '" + id + "'"));
    ScheduledRun pending = services.schedules().retry(id, services.clock().instant())
        .orElseThrow(() -> new ActionException("schedule_not_failed", "scheduled run " + id + " is " + run.status().wire()
            + "; only failed runs can be retried"));
    services.dispatcher().dispatchNow(id, run.workflow());
    return pending;
  }

  /**
   * The due time from an {@code at} (ISO-8601 date-time with offset) or an {@code after} (ISO-8601
   * duration such as PT10M or P3D, from now).
   *
   * @throws ActionException {@code invalid_argument} naming what was wrong
   */
  public static Instant dueAt(Object at, Object after, Instant now) {
    if (at != null) {
      if (at instanceof String s) {
        try {
          return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException e) {
          try {
            return Instant.parse(s);
          } catch (DateTimeParseException e2) {
            // fall through to the error
          }
        }
      }
      throw new ActionException("invalid_argument", "'at' must be an ISO-8601 date-time with offset, e.g. 2026-03-01T09:00:00Z; got " + at);
    }
    if (after instanceof String s) {
      try {
        Duration d = Duration.parse(s);
        if (d.isNegative()) {
          throw new ActionException("invalid_argument", "'after' must not be negative; got " + s);
        }
        return now.plus(d);
      } catch (DateTimeParseException e) {
        throw new ActionException("invalid_argument", "'after' must be an ISO-8601 duration in days or smaller units, e.g. PT15M, PT2H, P3D; got " + s);
      }
    }
    throw new ActionException("invalid_argument", "give 'at' (a date-time) or 'after' (a duration such as P1D)");
  }
}
