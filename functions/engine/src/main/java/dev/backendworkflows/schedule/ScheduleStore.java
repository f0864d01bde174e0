package dev.backendworkflows.schedule;

import java.util.List;
import java.util.Optional;

/**
 * Port: scheduled runs, the source of truth for scheduled work, with the recurring events, chain
 * markers and batch jobs that go with them. Changes to a run are compare-and-set on its version;
 * what a start, claim or finish means is the engine's ({@link ScheduledRuns}). Adapters:
 * {@code DynamoDbScheduleStore}, {@link dev.backendworkflows.schedule.local.MapScheduleStore}.
 */
public interface ScheduleStore {

  /**
   * Stores a new run.
   *
   * @throws dev.backendworkflows.exceptions.ScheduleConflictException when the id exists: never overwrites
   */
  void create(ScheduledRun run);

  Optional<ScheduledRun> get(String id);

  /**
   * Replaces a run if its stored version is {@code expectedVersion}, atomically; {@code next.version()}
   * is stored. Of concurrent replacements of one version, one wins.
   *
   * @return false when the run is unknown or its version differs
   */
  boolean replace(ScheduledRun next, long expectedVersion);

  /** Runs with a status, optionally of one workflow, in due order. */
  SchedulePage list(ScheduleStatus status, String workflow, int limit, String cursor);

  /** Pending runs due at or before {@code now}, oldest first, at most {@code limit}. */
  List<ScheduledRun> due(java.time.Instant now, int limit);

  /** Stores a recurring event, replacing one with the same id (setting it again replaces it). */
  void putRecurring(RecurringEvent event);

  Optional<RecurringEvent> getRecurring(String id);

  /** @return true when there was such a recurring event */
  boolean deleteRecurring(String id);

  /** Every recurring event (the local runner re-arms them on start). */
  List<RecurringEvent> listRecurring();

  /** The failed items of batch job {@code chainId}, by id, a page at a time (a page costs a page, whatever the job's size). */
  SchedulePage failedItems(String chainId, int limit, String cursor);

  /** Every scheduled run of a chain, in due order. */
  List<ScheduledRun> chain(String chainId);

  /** Marks a chain cancelled: no run may be added to it any more. */
  void cancelChain(String chainId);

  boolean chainCancelled(String chainId);

  /** Stores a new batch job. @throws dev.backendworkflows.exceptions.ScheduleConflictException when it exists */
  void createBatch(BatchJob job);

  Optional<BatchJob> getBatch(String id);

  /** Batch jobs in {@code status}, at most {@code limit} (the sweep's watchdog looks at the running ones). */
  List<BatchJob> batches(BatchJob.Status status, int limit);

  /**
   * Applies every write or none, atomically (none at all is a success); each record at most once per
   * call: the primitive for transitions that must move together
   * (an item's end and its job's counters; a chunk's end and the next chunk or the job's end).
   *
   * @return false when a write's condition did not hold — a run exists or is at another version, a
   *     job is unknown or in another status — and nothing was written
   */
  boolean write(List<ScheduleWrite> writes);

  /** The value of a counter that {@link ScheduleWrite.Count} writes: 0 when it was never counted. */
  long counter(String name);
}
