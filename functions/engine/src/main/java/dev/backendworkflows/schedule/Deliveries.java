package dev.backendworkflows.schedule;

import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.WorkflowException;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.Map;

/**
 * Receives deliveries of scheduled runs. A delivery first claims the run (pending → running, a
 * conditional write); a duplicate or late delivery, or one of a cancelled run, loses the claim and
 * does nothing but log. A run that fails is recorded as failed with its error, and can be retried.
 */
public final class Deliveries {
  private final Services services;
  private final WorkflowEngine engine;

  public Deliveries(Services services, WorkflowEngine engine) {
    this.services = services;
    this.engine = engine;
  }

  /** What a delivery did: ran the workflow (with its run id), or was ignored (with the reason). */
  public record Result(boolean ran, String runId, String status, String reason) {}

  /**
   * A firing of a recurring workflow at {@code scheduledTime} (as EventBridge passes it). The firing
   * is recorded as a scheduled run whose id is derived from workflow and time, so a duplicate
   * delivery of the same firing finds the record and runs nothing.
   */
  public Result deliverRecurring(String workflow, Instant scheduledTime) {
    return deliverFiring("rec-" + workflow + "-" + scheduledTime.getEpochSecond(), workflow, Map.of(), scheduledTime, "recurring");
  }

  /**
   * A firing of a recurring event set at run time: runs its workflow with its parameters, once per
   * firing. A firing of an event cancelled meanwhile runs nothing.
   */
  public Result deliverRecurringEvent(String recurringEventId, Instant scheduledTime) {
    var event = services.schedules().getRecurring(recurringEventId);
    if (event.isEmpty()) {
      String reason = "firing of recurring event " + recurringEventId + " ignored: it no longer exists (cancelled)";
      StructuredLog.write("info", reason, Map.of("recurring_event_id", recurringEventId));
      return new Result(false, null, "cancelled", reason);
    }
    return deliverFiring(recurringEventId + "-" + scheduledTime.getEpochSecond(), event.get().workflow(),
        event.get().params(), scheduledTime, "recurring:" + recurringEventId);
  }

  private Result deliverFiring(String id, String workflow, Map<String, Object> params, Instant scheduledTime, String by) {
    try {
      services.schedules().create(ScheduledRun.pending(id, workflow, params, scheduledTime, by, id, services.clock().instant(), 1));
    } catch (dev.backendworkflows.exceptions.ScheduleConflictException duplicate) {
      // the same firing delivered again: the claim below ignores it
    }
    return deliver(id);
  }

  /** What a sweep re-dispatched: runs whose claimant died, and pending runs whose delivery was lost. */
  public record Sweep(int staleClaims, int lostDeliveries) {}

  /** How overdue a pending run must be before its delivery counts as lost (EventBridge fires within a minute). */
  public static final java.time.Duration LOST_AFTER = java.time.Duration.ofMinutes(5);

  /**
   * Re-dispatches what a fault left behind, so nothing accepted is lost: runs claimed longer ago
   * than the lease that never finished (their invocation died), and pending runs overdue by more
   * than {@link #LOST_AFTER} (their delivery went astray). Claims keep re-delivery harmless.
   */
  public Sweep sweep() {
    Instant now = services.clock().instant();
    Instant staleBefore = now.minus(ScheduleStore.CLAIM_LEASE);
    Instant lostBefore = now.minus(LOST_AFTER);
    int stale = 0;
    int lost = 0;
    String cursor = null;
    do {
      SchedulePage page = services.schedules().list(ScheduleStatus.RUNNING, null, 100, cursor);
      for (ScheduledRun r : page.runs()) {
        if (r.claimedAt() == null || r.claimedAt().isBefore(staleBefore)) {
          services.dispatcher().dispatchNow(r.id(), r.workflow());
          stale++;
        }
      }
      cursor = page.cursor();
    } while (cursor != null);
    pending:
    do { // pending runs come in due order: stop at the first that is not overdue
      SchedulePage page = services.schedules().list(ScheduleStatus.PENDING, null, 100, cursor);
      for (ScheduledRun r : page.runs()) {
        if (!r.dueAt().isBefore(lostBefore)) {
          break pending;
        }
        services.dispatcher().dispatchNow(r.id(), r.workflow());
        lost++;
      }
      cursor = page.cursor();
    } while (cursor != null);
    if (stale + lost > 0) {
      StructuredLog.write("warn", "sweep re-dispatched " + stale + " stale claim(s) and " + lost + " lost delivery(ies)", Map.of());
    }
    return new Sweep(stale, lost);
  }

  public Result deliver(String scheduledRunId) {
    var claimed = services.schedules().claim(scheduledRunId, services.clock().instant());
    if (claimed.isEmpty()) {
      String state = services.schedules().get(scheduledRunId).map(r -> r.status().wire()).orElse("unknown");
      String reason = "delivery of scheduled run " + scheduledRunId + " ignored: it is " + state + ", not pending"
          + " (duplicate, late or cancelled delivery)";
      StructuredLog.write("info", reason, Map.of("scheduled_run_id", scheduledRunId));
      return new Result(false, null, state, reason);
    }
    ScheduledRun run = claimed.get();
    if (BatchJob.isChunk(run.id())) {
      return new Batches(services, engine.workflows()).runChunk(run, this);
    }
    try {
      RunOutcome outcome = engine.run(new RunRequest(run.workflow(), run.params(), "schedule", "scheduled:" + run.id()));
      ScheduleStatus status = switch (outcome.record().status()) {
        case SUCCEEDED -> ScheduleStatus.SUCCEEDED;
        case TERMINATED -> ScheduleStatus.TERMINATED;
        default -> ScheduleStatus.FAILED;
      };
      finish(run, status, outcome.record().runId(), outcome.record().error());
      return new Result(true, outcome.record().runId(), status.wire(), null);
    } catch (WorkflowEngine.RejectedRunException e) {
      // the definition changed since scheduling and the stored parameters no longer fit it
      finish(run, ScheduleStatus.FAILED, e.runId(), new ErrorInfo(e.code(), e.getMessage(), e.input().fields()));
      return new Result(true, e.runId(), ScheduleStatus.FAILED.wire(), e.getMessage());
    } catch (WorkflowException | java.util.NoSuchElementException e) {
      finish(run, ScheduleStatus.FAILED, null, new ErrorInfo("delivery_failed", e.getMessage()));
      return new Result(false, null, ScheduleStatus.FAILED.wire(), e.getMessage());
    }
  }

  private void finish(ScheduledRun run, ScheduleStatus status, String runId, ErrorInfo error) {
    services.schedules().finish(run.id(), status, runId, error, services.clock().instant(), services.expiry());
  }
}
