package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A "schedule on a list" job: {@code workflow} runs once per item (the item passed as
 * {@code itemParam}, with {@code params}), {@code batchSize} items per chunk, chunks at least
 * {@code period} apart and, with {@code itemsPerSecond}, items spaced so that no second sees more
 * than that many start. Counters change with each item's end. With a {@code search} ({@code type},
 * {@code constraints}) the items are the ids of the things it finds, fetched a page per chunk:
 * {@code total} and {@code chunks} grow until the search is exhausted. {@code current} is the id
 * of the job's one live chunk (armed, parked while paused, or running) and {@code nextDue} the
 * earliest its next items may start; both change in the transactions that end and arm chunks.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BatchJob(String id, String workflow, String itemParam, Map<String, Object> params, int total, int batchSize,
    int chunks, Duration period, Status status, int done, int failed, Instant createdAt, String createdBy,
    Map<String, Object> search, Double itemsPerSecond, String current, Instant nextDue) {

  /**
   * When a chunk that is not the job's current one is due: never. Only the current chunk of a job
   * is armed, so neither the sweeper nor a late resume can ever release a backlog at once.
   */
  public static final Instant PARKED = Instant.parse("9999-01-01T00:00:00Z");

  /** Where a job is: being created, running (chunks keep coming), paused, cancelled, or done (every item ended). */
  public enum Status {
    CREATING, RUNNING, PAUSED, CANCELLED, DONE;

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

  /** This job after {@code change} (how stores without an update language apply one). */
  public BatchJob updated(ScheduleWrite.UpdateBatch change) {
    return new BatchJob(id, workflow, itemParam, params, total + change.total(), batchSize, chunks + change.chunks(), period,
        change.to() != null ? change.to() : status, done + change.done(), failed + change.failed(), createdAt, createdBy, search,
        itemsPerSecond, change.current() != null ? change.current() : current, change.nextDue() != null ? change.nextDue() : nextDue);
  }

  /** Items per second the job keeps to: the lower of its rate and its chunks per interval (null when chunks run back to back). */
  public Double rate() {
    Double byPeriod = period == null || period.isZero() ? null : batchSize * 1000.0 / period.toMillis();
    if (itemsPerSecond == null || byPeriod == null) {
      return itemsPerSecond != null ? itemsPerSecond : byPeriod;
    }
    return Math.min(itemsPerSecond, byPeriod);
  }

  /** The least time between two item starts: none without a rate. */
  public Duration spacing() {
    return itemsPerSecond == null ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(1e9 / itemsPerSecond));
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
