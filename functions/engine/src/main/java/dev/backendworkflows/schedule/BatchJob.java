package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A "schedule on a list" job: {@code workflow} runs once per item (the item passed as
 * {@code itemParam}, with {@code params}), {@code batchSize} items per chunk, one chunk every
 * {@code period}. Counters are added to as chunks finish; items never started are not counted.
 * With a {@code search} ({@code type}, {@code constraints}) the items are the ids of the things it
 * finds, fetched a page per chunk: {@code total} and {@code chunks} grow until the search is exhausted.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchJob(String id, String workflow, String itemParam, Map<String, Object> params, int total, int batchSize,
    int chunks, Duration period, Status status, int done, int failed, Instant createdAt, String createdBy,
    Map<String, Object> search) {

  /** Where a job is: running (chunks keep coming), paused, cancelled, or done (every chunk ran). */
  public enum Status {
    RUNNING, PAUSED, CANCELLED, DONE;

    @com.fasterxml.jackson.annotation.JsonValue
    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    public static Status fromWire(String s) {
      return valueOf(s.toUpperCase(java.util.Locale.ROOT));
    }
  }

  public BatchJob {
    params = params == null ? Map.of() : params;
  }

  public BatchJob with(Status newStatus) {
    return new BatchJob(id, workflow, itemParam, params, total, batchSize, chunks, period, newStatus, done, failed, createdAt,
        createdBy, search);
  }

  public BatchJob progressed(int moreDone, int moreFailed) {
    return new BatchJob(id, workflow, itemParam, params, total, batchSize, chunks, period, status, done + moreDone,
        failed + moreFailed, createdAt, createdBy, search);
  }

  /** A search job found another page: {@code items} more in one more chunk. */
  public BatchJob extended(int items) {
    return new BatchJob(id, workflow, itemParam, params, total + items, batchSize, chunks + 1, period, status, done, failed,
        createdAt, createdBy, search);
  }

  /** Items per second the job aims at (null when chunks run back to back). */
  public Double rate() {
    return period == null || period.isZero() ? null : batchSize * 1000.0 / period.toMillis();
  }

  /** The id of chunk {@code index}'s scheduled run. */
  public static String chunkId(String jobId, int index) {
    return "batch-" + jobId + "-chunk-" + index;
  }

  /** The id of item {@code index}'s scheduled run: creating it is the item's exactly-once gate. */
  public static String itemId(String jobId, int index) {
    return "batch-" + jobId + "-item-" + index;
  }
}
