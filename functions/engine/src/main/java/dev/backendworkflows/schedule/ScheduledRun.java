package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.backendworkflows.execution.Lease;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * A run of {@code workflow} due at {@code dueAt}: the source of truth for scheduled work. The
 * delivery mechanism (EventBridge Scheduler, the local scheduler) carries only {@link #id()}.
 * {@code kind} says what it is (a workflow run, a batch chunk, a batch item); {@code scheduledBy}
 * is the run (or {@code api}) that scheduled it; {@code runId} the run it became (its own id);
 * {@code iteration} counts the runs of its chain (a recursive workflow's runs share one chain).
 * {@code version} grows with every write, each conditional on the one before; a chunk's claim is
 * its {@code lease} and {@code attempt} (a run's claim lives on its execution in the run log; for a
 * run, {@code attempt} counts the deliveries that found its execution had never begun).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduledRun(String id, Kind kind, String workflow, Map<String, Object> params, Instant dueAt,
    ScheduleStatus status, String scheduledBy, String chainId, Instant createdAt, String runId,
    ErrorInfo error, Instant finishedAt, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long expiresAt, int iteration,
    Instant claimedAt, long version, @JsonInclude(JsonInclude.Include.NON_DEFAULT) int attempt, Lease lease) {

  /** What a scheduled run is: a run of a workflow, a chunk of a batch job, or one item of a batch job. */
  public enum Kind {
    RUN, CHUNK, ITEM;

    @JsonValue
    public String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Kind fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  public ScheduledRun {
    params = params == null ? Map.of() : params;
    iteration = Math.max(iteration, 1);
    kind = kind == null ? Kind.RUN : kind;
  }

  /** A new pending run, the first of its chain unless {@code iteration} says otherwise. */
  public static ScheduledRun pending(String id, String workflow, Map<String, Object> params, Instant dueAt, String scheduledBy,
      String chainId, Instant createdAt, int iteration) {
    return new ScheduledRun(id, Kind.RUN, workflow, params, dueAt, ScheduleStatus.PENDING, scheduledBy, chainId, createdAt, null,
        null, null, 0, iteration, null, 1, 0, null);
  }

  /** This run as a different kind (a chunk or item of a batch job). */
  public ScheduledRun as(Kind newKind) {
    return new ScheduledRun(id, newKind, workflow, params, dueAt, status, scheduledBy, chainId, createdAt, runId, error,
        finishedAt, expiresAt, iteration, claimedAt, version, attempt, lease);
  }

  /** This run started by a delivery at {@code at}: it becomes the run with its own id. */
  public ScheduledRun started(Instant at) {
    return new ScheduledRun(id, kind, workflow, params, dueAt, ScheduleStatus.RUNNING, scheduledBy, chainId, createdAt, id, null,
        null, 0, iteration, at, version + 1, attempt, lease);
  }

  /** This chunk claimed at {@code at} by a new attempt under {@code newLease}. */
  public ScheduledRun claimed(Instant at, Lease newLease) {
    return new ScheduledRun(id, kind, workflow, params, dueAt, ScheduleStatus.RUNNING, scheduledBy, chainId, createdAt, runId,
        null, null, 0, iteration, at, version + 1, attempt + 1, newLease);
  }

  /** This run ended (or was cancelled) with {@code status}. */
  public ScheduledRun finished(ScheduleStatus newStatus, String newRunId, ErrorInfo newError, Instant at, long newExpiresAt) {
    return new ScheduledRun(id, kind, workflow, params, dueAt, newStatus, scheduledBy, chainId, createdAt, newRunId, newError, at,
        newExpiresAt, iteration, claimedAt, version + 1, attempt, null);
  }

  /** This run, pending again at {@code due} (a retry); a chunk's attempts count afresh. */
  public ScheduledRun pendingAgain(Instant due) {
    return new ScheduledRun(id, kind, workflow, params, due, ScheduleStatus.PENDING, scheduledBy, chainId, createdAt, null, null,
        null, 0, iteration, null, version + 1, 0, null);
  }

  /** This started run, counted as delivered once more at {@code at} (its run never began; see the sweep). */
  public ScheduledRun deliveredAgain(Instant at) {
    return new ScheduledRun(id, kind, workflow, params, dueAt, status, scheduledBy, chainId, createdAt, runId, error, finishedAt,
        expiresAt, iteration, at, version + 1, attempt + 1, lease);
  }

  /** This run with other parameters (how the API shows it, secrets redacted); not a write. */
  public ScheduledRun withParams(Map<String, Object> newParams) {
    return new ScheduledRun(id, kind, workflow, newParams, dueAt, status, scheduledBy, chainId, createdAt, runId, error, finishedAt,
        expiresAt, iteration, claimedAt, version, attempt, lease);
  }

  /** True once nothing more happens to it: succeeded, failed, terminated or cancelled. */
  public boolean ended() {
    return status != ScheduleStatus.PENDING && status != ScheduleStatus.RUNNING;
  }
}
