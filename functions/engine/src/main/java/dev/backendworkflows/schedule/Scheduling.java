package dev.backendworkflows.schedule;

import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.StructuredLog;
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
   * Schedules a run with a new id.
   *
   * @throws ActionException {@code unknown_workflow}, {@code not_schedulable} (custom events are
   *     not runs of their own), {@code invalid_parameters}, {@code params_too_large}
   */
  public ScheduledRun schedule(String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy, String chainId) {
    return schedule(Ids.newId(services.clock().instant()), workflow, params, dueAt, scheduledBy, chainId, 1);
  }

  /**
   * Schedules the {@code iteration}-th run of a chain under {@code id}. When a run with that id
   * exists — the same step replayed after a crash — it is returned (and its delivery arranged again
   * if it is still pending) instead of a second one. A delivery that cannot be arranged now leaves
   * the run pending: the sweeper delivers it once it is overdue. Every run of a chain is counted in
   * the same transaction that creates it, against the target's {@code max_iterations}, and every run
   * a run adds to its own chain against the target's {@code max_fanout}: a recursion that branches
   * stops at that many runs in all, not at that depth.
   *
   * @throws ActionException also {@code chain_cancelled}, {@code chain_limit_reached} when the chain
   *     has had {@code max_iterations} runs, {@code chain_fanout_reached} when the scheduling run has
   *     added {@code max_fanout} runs to its chain
   */
  public ScheduledRun schedule(String id, String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy,
      String chainId, int iteration) {
    WorkflowDefinition target = schedulable(workflows, workflow);
    if (chainId != null && services.schedules().chainCancelled(chainId)) {
      throw new ActionException("chain_cancelled", "chain " + chainId + " was cancelled; its runs schedule nothing more");
    }
    if (iteration > target.maxIterations()) {
      throw chainLimit(chainId, target);
    }
    Map<String, Object> bound;
    try {
      bound = ParameterBinder.bind(target, params);
    } catch (InvalidInputException e) {
      throw new ActionException("invalid_parameters", "parameters for '" + workflow + "': " + e.getMessage() + " ("
          + String.join("; ", e.fields().stream().map(f -> f.field() + " " + f.message()).toList()) + ")");
    }
    checkSize(workflow, bound);
    Instant now = services.clock().instant();
    ScheduledRun run = ScheduledRun.pending(id, workflow, bound, dueAt, scheduledBy, chainId == null ? id : chainId, now, iteration);
    long keep = now.plus(COUNTERS_LIVE).getEpochSecond(); // renewed by every run the chain adds
    List<ScheduleWrite> writes = new java.util.ArrayList<>(List.of(new ScheduleWrite.Create(run),
        new ScheduleWrite.Count(CHAIN_RUNS + run.chainId(), target.maxIterations(), keep)));
    String parent = chainId != null && scheduledBy != null && scheduledBy.startsWith("run:") ? scheduledBy.substring(4) : null;
    if (parent != null) {
      writes.add(new ScheduleWrite.Count(CHAIN_FANOUT + parent, target.maxFanout(), keep));
    }
    if (!services.schedules().write(writes)) {
      ScheduledRun before = services.schedules().get(id).orElse(null);
      if (before == null) { // not a replay: a count was full
        if (services.schedules().counter(CHAIN_RUNS + run.chainId()) >= target.maxIterations()) {
          throw chainLimit(run.chainId(), target);
        }
        throw new ActionException("chain_fanout_reached", "run " + parent + " has scheduled max_fanout (" + target.maxFanout()
            + ") runs of '" + workflow + "' in its chain " + run.chainId() + "; raise max_fanout, or schedule fewer");
      }
      run = before;
      if (run.status() != ScheduleStatus.PENDING) {
        return run;
      }
    }
    arrange(run.id(), run.workflow(), run.dueAt());
    return run;
  }

  private static final String CHAIN_RUNS = "chain-runs:";
  /** How long a chain's counters outlive its last scheduling. */
  private static final Duration COUNTERS_LIVE = Duration.ofDays(400);
  private static final String CHAIN_FANOUT = "chain-fanout:";

  private static ActionException chainLimit(String chainId, WorkflowDefinition target) {
    return new ActionException("chain_limit_reached", "chain " + chainId + " has had max_iterations (" + target.maxIterations()
        + ") runs of '" + target.name() + "': not scheduling another; raise max_iterations, or give the recursion an exit");
  }

  /** @throws ActionException {@code params_too_large} when parameters would not fit a run */
  static void checkSize(String workflow, Map<String, Object> params) {
    int bytes = ItemBudget.bytes(params);
    if (bytes > ItemBudget.MAX_PARAMS_BYTES) {
      throw new ActionException("params_too_large", "parameters for '" + workflow + "' are " + bytes / 1024 + " KiB as JSON; "
          + "a run takes at most " + ItemBudget.MAX_PARAMS_BYTES / 1024 + " KiB: pass ids and let the run read the data");
    }
  }

  /**
   * Hands a pending run to the scheduler (due later) or the dispatcher (due now). A failure is logged,
   * not raised: the run stays pending in the store, and the sweeper delivers it once overdue.
   */
  void arrange(String id, String workflow, Instant dueAt) {
    try {
      if (!dueAt.isAfter(services.clock().instant())) {
        services.dispatcher().dispatchNow(id, workflow);
      } else {
        services.scheduler().deliverAt(id, workflow, dueAt);
      }
    } catch (RuntimeException e) {
      StructuredLog.write("warn", "delivery of scheduled run " + id + " could not be arranged now (" + e.getClass().getSimpleName()
          + "); it stays pending and the sweeper delivers it once overdue", Map.of("scheduled_run_id", id, "workflow", workflow));
    }
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
    if (target.trigger().kind() == Trigger.Kind.DATA_CHANGE) {
      throw new ActionException("not_schedulable", "'" + workflow + "' runs only when a " + target.trigger().dataChange().type()
          + " changes (trigger: data_change)");
    }
    return target;
  }

  /** Cancels a chain: marks it so its running runs schedule nothing more, and cancels its pending runs. */
  public List<ScheduledRun> cancelChain(String chainId) {
    services.schedules().cancelChain(chainId);
    ScheduledRuns states = new ScheduledRuns(services);
    for (ScheduledRun run : services.schedules().chain(chainId)) {
      if (run.status() == ScheduleStatus.PENDING
          && states.cancel(run.id()).filter(r -> r.status() == ScheduleStatus.CANCELLED).isPresent()) {
        services.scheduler().cancel(run.id());
      }
    }
    return services.schedules().chain(chainId);
  }

  /** What cancelling a scheduled run found: the run as it now stands, and whether this call cancelled it. */
  public record Cancellation(ScheduledRun run, boolean cancelled) {}

  /**
   * Cancels a pending run. Cancelling one that has started, ended or was cancelled already changes
   * nothing and is no error (as in Bubble): the answer says {@code cancelled: false} and its status.
   *
   * @throws ActionException {@code schedule_not_found} for an unknown id
   */
  public Cancellation cancel(String id) {
    ScheduledRun before = services.schedules().get(id)
        .orElseThrow(() -> new ActionException("schedule_not_found", "no scheduled run with id '" + id + "'"));
    if (before.ended()) { // nothing left to cancel, a batch's part or not: the same answer as for any run that ended
      return new Cancellation(before, false);
    }
    notPartOfABatch(before);
    if (before.status() != ScheduleStatus.PENDING) {
      return new Cancellation(before, false);
    }
    ScheduledRuns.Cancel c = new ScheduledRuns(services).cancelPending(id);
    if (c.byThisCall()) {
      services.scheduler().cancel(id);
    }
    return new Cancellation(c.run() == null ? before : c.run(), c.byThisCall());
  }

  /** A batch job's chunks and items are steered through the job: alone they would stall or outrun it. */
  private static void notPartOfABatch(ScheduledRun run) {
    if (run.kind() != ScheduledRun.Kind.RUN) {
      throw new ActionException("part_of_batch", "scheduled run " + run.id() + " is a " + run.kind().wire() + " of batch job "
          + run.chainId() + "; pause, resume, cancel or retry the job instead (/batches/" + run.chainId() + ")");
    }
  }

  /**
   * Puts a failed run back on the schedule, due now. Its run continues from its journal: steps that
   * succeeded are not run again.
   *
   * @throws ActionException {@code schedule_not_found}, or {@code schedule_not_failed} when it is not failed
   */
  public ScheduledRun retry(String id) {
    ScheduledRun run = services.schedules().get(id)
        .orElseThrow(() -> new ActionException("schedule_not_found", "no scheduled run with id '" + id + "'"));
    notPartOfABatch(run);
    ScheduledRun pending = new ScheduledRuns(services).retry(id, services.clock().instant())
        .orElseThrow(() -> new ActionException("schedule_not_failed", "scheduled run " + id + " is " + run.status().wire()
            + "; only failed runs can be retried"));
    // the schedule first: after a crash between the two, its delivery reopens the execution (it failed before the retry)
    WorkflowEngine.reopen(services.runs(), id);
    arrange(id, run.workflow(), pending.dueAt());
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
