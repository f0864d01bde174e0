package dev.backendworkflows.schedule;

import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Port: scheduled runs, the source of truth for scheduled work. Every state change is a
 * conditional write, so concurrent or duplicate deliveries cannot both win. Adapters:
 * {@code DynamoDbScheduleStore}, {@link dev.backendworkflows.schedule.local.MapScheduleStore}.
 */
public interface ScheduleStore {

  /**
   * Stores a new pending run.
   *
   * @throws dev.backendworkflows.exceptions.ScheduleConflictException when the id exists: never overwrites
   */
  void create(ScheduledRun run);

  Optional<ScheduledRun> get(String id);

  /**
   * No function runs longer than this (Lambda's maximum), so a claim older than it whose claimant
   * never finished belongs to a dead invocation.
   */
  java.time.Duration CLAIM_LEASE = java.time.Duration.ofMinutes(15);

  /**
   * Moves a pending run to running — or takes over a run whose claim is older than
   * {@link #CLAIM_LEASE} and never finished. This is the exactly-once gate for deliveries.
   *
   * @return the claimed run, or empty when it is not claimable (claimed within the lease, finished,
   *     cancelled, unknown)
   */
  Optional<ScheduledRun> claim(String id, Instant now);

  /** Records how a running run ended ({@code runId} may be null when no run started); expires at {@code expiresAt}. */
  void finish(String id, ScheduleStatus status, String runId, ErrorInfo error, Instant at, long expiresAt);

  /** @return true when a pending run was cancelled; false when it was not pending (or is unknown). */
  boolean cancel(String id, Instant at, long expiresAt);

  /**
   * Puts a failed run back to pending, due at {@code dueAt}.
   *
   * @return the run as now pending, or empty when it was not failed
   */
  Optional<ScheduledRun> retry(String id, Instant dueAt);

  /** Runs with a status, optionally of one workflow, in due order. */
  SchedulePage list(ScheduleStatus status, String workflow, int limit, String cursor);

  /** Pending runs due at or before {@code now}, oldest first, at most {@code limit}. */
  List<ScheduledRun> due(Instant now, int limit);

  /** Stores a recurring event, replacing one with the same id (setting it again replaces it). */
  void putRecurring(RecurringEvent event);

  Optional<RecurringEvent> getRecurring(String id);

  /** @return true when there was such a recurring event */
  boolean deleteRecurring(String id);

  /** Every recurring event (the local runner re-arms them on start). */
  List<RecurringEvent> listRecurring();

  /** Every scheduled run of a chain, in due order. */
  List<ScheduledRun> chain(String chainId);

  /** Marks a chain cancelled: no run may be added to it any more. */
  void cancelChain(String chainId);

  boolean chainCancelled(String chainId);

  /** Stores a new batch job. @throws dev.backendworkflows.exceptions.ScheduleConflictException when it exists */
  void createBatch(BatchJob job);

  java.util.Optional<BatchJob> getBatch(String id);

  /** Sets a job's status (pause, resume, cancel, done); @return the job after, or empty when unknown */
  java.util.Optional<BatchJob> setBatchStatus(String id, BatchJob.Status status);

  /** Adds to a job's counters atomically (chunks of one job may finish concurrently after a retry). */
  void addBatchProgress(String id, int done, int failed);

  /** A search job found one more chunk of {@code items} items. */
  void extendBatch(String id, int items);
}
