package dev.backendworkflows.schedule;

import java.util.Set;

/**
 * One conditional write of a {@link ScheduleStore#write} transaction: all of a transaction's writes
 * happen, or none. Each names what it expects to find, so of two concurrent transactions over the
 * same records one wins and the other changes nothing.
 */
public sealed interface ScheduleWrite {
  /** A new run; the transaction fails when its id exists. */
  record Create(ScheduledRun run) implements ScheduleWrite {}

  /** A run replaced by {@code next}; the transaction fails unless the stored run is at {@code expectedVersion}. */
  record Replace(ScheduledRun next, long expectedVersion) implements ScheduleWrite {}

  /**
   * One added to the counter {@code name} (from 0); the transaction fails when it has reached
   * {@code max}. The counter lives until {@code expiresAt} (epoch second), renewed by each count.
   */
  record Count(String name, int max, long expiresAt) implements ScheduleWrite {}

  /**
   * A batch job's counters added to and, when set, its status, current chunk and next due time
   * changed; the transaction fails when the job is unknown, or (when {@code from} is set) not in
   * one of those statuses.
   */
  record UpdateBatch(String batchId, Set<BatchJob.Status> from, BatchJob.Status to, int done, int failed, int total, int chunks,
      String current, java.time.Instant nextDue) implements ScheduleWrite {
    public UpdateBatch {
      from = from == null ? null : Set.copyOf(from);
    }

    /** Adds to the job's done and failed counters. */
    public static UpdateBatch count(String batchId, int done, int failed) {
      return new UpdateBatch(batchId, null, null, done, failed, 0, 0, null, null);
    }

    /** Moves the job from one of {@code from} to {@code to}. */
    public static UpdateBatch status(String batchId, Set<BatchJob.Status> from, BatchJob.Status to) {
      return new UpdateBatch(batchId, from, to, 0, 0, 0, 0, null, null);
    }

    /** A search job found one more chunk of {@code items} items. */
    public static UpdateBatch extend(String batchId, int items) {
      return new UpdateBatch(batchId, null, null, 0, 0, items, 1, null, null);
    }

    /** The job's live chunk is now {@code chunkId}, its items to start no earlier than {@code due}. */
    public static UpdateBatch current(String batchId, String chunkId, java.time.Instant due) {
      return new UpdateBatch(batchId, null, null, 0, 0, 0, 0, chunkId, due);
    }

    /** This change and {@code other} in one write (a transaction writes each record once). */
    public UpdateBatch and(UpdateBatch other) {
      return new UpdateBatch(batchId, other.from != null ? other.from : from, other.to != null ? other.to : to, done + other.done,
          failed + other.failed, total + other.total, chunks + other.chunks, other.current != null ? other.current : current,
          other.nextDue != null ? other.nextDue : nextDue);
    }

    /** Whether a job in {@code status} meets this write's condition. */
    public boolean allows(BatchJob.Status status) {
      return from == null || from.contains(status);
    }
  }
}
