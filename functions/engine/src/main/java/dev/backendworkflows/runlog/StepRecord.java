package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one step did: its condition's result (null when it has no {@code when}), status
 * ({@code succeeded}, {@code skipped}, {@code failed}, {@code terminated}; {@code started} while an
 * effect is under way, and {@code uncertain} when an attempt died during an email that was then
 * not sent again), duration, a bounded summary of its output (the value itself, or a truncated
 * preview when large), its error, the attempt that ran it and when it first started (ids of what
 * it creates derive from that time, so a replay finds them), and how it met the data schema's
 * privacy rules when the log should say so ({@code ignored: <reason>}, {@code as user <sub>}).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepRecord(int index, String id, String action, Boolean condition, String status,
    long durationMs, Object output, ErrorInfo error, Integer attempt, java.time.Instant startedAt, String privacy) {

  public StepRecord(int index, String id, String action, Boolean condition, String status, long durationMs, Object output,
      ErrorInfo error, Integer attempt, java.time.Instant startedAt) {
    this(index, id, action, condition, status, durationMs, output, error, attempt, startedAt, null);
  }

  public static final String STARTED = "started";
  public static final String SUCCEEDED = "succeeded";
  public static final String SKIPPED = "skipped";
  public static final String FAILED = "failed";
  public static final String TERMINATED = "terminated";
  public static final String UNCERTAIN = "uncertain";

  /** This record with its error replaced (a bounded copy). */
  public StepRecord withError(ErrorInfo newError) {
    return new StepRecord(index, id, action, condition, status, durationMs, output, newError, attempt, startedAt, privacy);
  }

  /** This record with its output replaced (a shorter preview, or none). */
  public StepRecord withOutput(Object newOutput) {
    return new StepRecord(index, id, action, condition, status, durationMs, newOutput, error, attempt, startedAt, privacy);
  }
}
