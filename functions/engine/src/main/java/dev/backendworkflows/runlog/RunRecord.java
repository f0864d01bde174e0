package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One run of a workflow as the run log keeps it. {@code params} are already redacted; {@code reason}
 * says why a terminated run ended; {@code response} is what it returned (bounded like step outputs);
 * {@code expiresAt} (epoch seconds) is when the store may drop it.
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
    long expiresAt) {

  public RunRecord {
    steps = steps == null ? List.of() : List.copyOf(steps);
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
        expiresAt);
  }
}
