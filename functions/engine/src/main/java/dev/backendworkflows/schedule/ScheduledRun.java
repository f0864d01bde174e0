package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.Map;

/**
 * A run of {@code workflow} due at {@code dueAt}: the source of truth for scheduled work. The
 * delivery mechanism (EventBridge Scheduler, the local scheduler) carries only {@link #id()}.
 * {@code scheduledBy} is the run (or {@code api}) that scheduled it; {@code runId} the run it became.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ScheduledRun(String id, String workflow, Map<String, Object> params, Instant dueAt,
    ScheduleStatus status, String scheduledBy, String chainId, Instant createdAt, String runId,
    ErrorInfo error, Instant finishedAt, @JsonInclude(JsonInclude.Include.NON_DEFAULT) long expiresAt) {

  public ScheduledRun {
    params = params == null ? Map.of() : params;
  }

  public ScheduledRun with(ScheduleStatus newStatus) {
    return new ScheduledRun(id, workflow, params, dueAt, newStatus, scheduledBy, chainId, createdAt, runId, error,
        finishedAt, expiresAt);
  }
}
