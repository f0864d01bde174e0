package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One run of a workflow as the run log keeps it. {@code params} are already redacted; {@code reason}
 * says why a terminated run ended; {@code response} is what it returned (bounded like step outputs);
 * {@code expiresAt} (epoch seconds) is when the store may drop it; {@code attempt} numbers the
 * attempt that wrote it (a run taken over after a crash continues as attempt 2, 3…).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunRecord(
    String runId,
    String workflow,
    String definitionVersion,
    String trigger,
    String caller,
    String stage,
    Map<String, Object> params,
    RunStatus status,
    Instant startedAt,
    Instant endedAt,
    Long durationMs,
    List<StepRecord> steps,
    ErrorInfo error,
    String reason,
    Object response,
    long expiresAt,
    int attempt) {

  public RunRecord {
    steps = steps == null ? List.of() : List.copyOf(steps);
    attempt = Math.max(attempt, 1);
  }

  /** False once the retention period has passed; stores hide such runs even before TTL deletes them. */
  public boolean liveAt(Instant now) {
    return expiresAt == 0 || expiresAt > now.getEpochSecond();
  }

  /** This record ended with {@code status} at {@code endedAt}. */
  public RunRecord finish(RunStatus status, Instant endedAt, List<StepRecord> steps, ErrorInfo error,
      String reason, Object response) {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, params, status,
        startedAt, endedAt, endedAt.toEpochMilli() - startedAt.toEpochMilli(), steps, error, reason, response,
        expiresAt, attempt);
  }

  /** This record, still running, with the steps so far. */
  public RunRecord progress(List<StepRecord> newSteps, Object newResponse) {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, params, RunStatus.RUNNING,
        startedAt, null, null, newSteps, null, null, newResponse, expiresAt, attempt);
  }

  /** This record as attempt {@code n} continues it. */
  public RunRecord withAttempt(int n) {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, params, status, startedAt, endedAt,
        durationMs, steps, error, reason, response, expiresAt, n);
  }

  /** This record with its parameters, step outputs and response replaced (a bounded copy). */
  public RunRecord bounded(Map<String, Object> newParams, List<StepRecord> newSteps, Object newResponse) {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, newParams, status, startedAt, endedAt,
        durationMs, newSteps, error, reason, newResponse, expiresAt, attempt);
  }

  /** This record with its terminate reason and error replaced (bounded copies). */
  public RunRecord withText(String newReason, ErrorInfo newError) {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, params, status, startedAt, endedAt,
        durationMs, steps, newError, newReason, response, expiresAt, attempt);
  }

  /** This record running again (a retry by API): no end, no error. */
  public RunRecord reopened() {
    return new RunRecord(runId, workflow, definitionVersion, trigger, caller, stage, params, RunStatus.RUNNING, startedAt,
        null, null, steps, null, null, response, expiresAt, attempt);
  }
}
