package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.Map;

/**
 * A run of {@code workflow} due at {@code dueAt}: the source of truth for scheduled work. The
 * delivery mechanism (EventBridge Scheduler, the local scheduler) carries only {@link #id()}.
 * {@code scheduledBy} is the run (or {@code api}) that scheduled it; {@code runId} the run it became;
 * {@code iteration} counts the runs of its chain (a recursive workflow's runs share one chain).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduledRun(String id, String workflow, Map<String, Object> params, Instant dueAt,
    ScheduleStatus status, String scheduledBy, String chainId, Instant createdAt, String runId,
    ErrorInfo error, Instant finishedAt, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long expiresAt, int iteration,
    Instant claimedAt) {

  public ScheduledRun {
    params = params == null ? Map.of() : params;
    iteration = Math.max(iteration, 1);
  }

  /** A new pending run, the first of its chain unless {@code iteration} says otherwise. */
  public static ScheduledRun pending(String id, String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy,
      String chainId, Instant createdAt, int iteration) {
    return new ScheduledRun(id, workflow, params, dueAt, ScheduleStatus.PENDING, scheduledBy, chainId, createdAt, null, null,
        null, 0, iteration, null);
  }

  /** This run, claimed by a delivery at {@code at}. */
  public ScheduledRun claimed(Instant at) {
    return new ScheduledRun(id, workflow, params, dueAt, ScheduleStatus.RUNNING, scheduledBy, chainId, createdAt, runId, error,
        finishedAt, expiresAt, iteration, at);
  }

  public ScheduledRun with(ScheduleStatus newStatus) {
    return new ScheduledRun(id, workflow, params, dueAt, newStatus, scheduledBy, chainId, createdAt, runId, error,
        finishedAt, expiresAt, iteration, claimedAt);
  }

  /** This run ended (or was cancelled) with {@code status}. */
  public ScheduledRun finished(ScheduleStatus status, String runId, ErrorInfo error, Instant at, long expiresAt) {
    return new ScheduledRun(id, workflow, params, dueAt, status, scheduledBy, chainId, createdAt, runId, error, at, expiresAt,
        iteration, claimedAt);
  }

  /** This run, pending again at {@code due} (a retry). */
  public ScheduledRun pendingAgain(Instant due) {
    return new ScheduledRun(id, workflow, params, due, ScheduleStatus.PENDING, scheduledBy, chainId, createdAt, null, null,
        null, 0, iteration, null);
  }

  public ScheduledRun withParams(Map<String, Object> newParams) {
    return new ScheduledRun(id, workflow, newParams, dueAt, status, scheduledBy, chainId, createdAt, runId, error, finishedAt,
        expiresAt, iteration, claimedAt);
  }
}
