package dev.backendworkflows.schedule;

import dev.backendworkflows.engine.Services;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The life of a scheduled run, stated once: pending → running (a delivery starts it, or an attempt
 * claims a chunk) → succeeded | failed | terminated, pending → cancelled, failed → pending (a retry).
 * Each transition is a compare-and-set of the run's version in the {@link ScheduleStore}, so of
 * two concurrent writers one wins and the other sees why. A batch item's transitions into and out
 * of an end move its job's {@code done} and {@code failed} counters in the same transaction, so
 * the counts are exact whatever dies when.
 */
public final class ScheduledRuns {
  /** Code of the error a run or chunk ends with when its attempts ran out. */
  public static final String ATTEMPTS_EXHAUSTED = "attempts_exhausted";
  private final Services services;

  public ScheduledRuns(Services services) {
    this.services = services;
  }

  private ScheduleStore store() {
    return services.schedules();
  }

  private Instant now() {
    return services.clock().instant();
  }

  /**
   * A delivery starts a run: pending → running.
   *
   * @return the run as it now stands — running (started now, or before by another delivery: the
   *     execution's claim then decides which attempt runs), or ended — or empty when it is unknown
   */
  public Optional<ScheduledRun> start(String id) {
    return store().get(id).flatMap(this::start);
  }

  /** {@link #start(String)} from a run just read, saving a read when nothing changed it since. */
  public Optional<ScheduledRun> start(ScheduledRun seen) {
    Optional<ScheduledRun> found = Optional.of(seen);
    while (true) {
      if (found.isEmpty() || found.get().status() != ScheduleStatus.PENDING) {
        return found;
      }
      ScheduledRun next = found.get().started(now());
      if (store().replace(next, found.get().version())) {
        return Optional.of(next);
      }
      found = store().get(seen.id());
    }
  }

  /** What a chunk claim found. */
  public sealed interface Claim {
    /** This attempt holds the chunk now. */
    record Claimed(ScheduledRun run) implements Claim {}

    /** A live attempt holds it. */
    record Busy(ScheduledRun run) implements Claim {}

    /** Its attempts ran out: it was ended failed with {@value ScheduledRuns#ATTEMPTS_EXHAUSTED}. */
    record Exhausted(ScheduledRun run) implements Claim {}

    /** It is unknown (null) or has ended. */
    record Ended(ScheduledRun run) implements Claim {}
  }

  /**
   * Claims a chunk for {@code by}: a pending one, or a running one whose lease the lease rule lets
   * {@code by} take over — at most {@code maxAttempts} times.
   */
  public Claim claim(String id, Invocation by, int maxAttempts) {
    while (true) {
      ScheduledRun run = store().get(id).orElse(null);
      if (run == null || run.ended()) {
        return new Claim.Ended(run);
      }
      Instant now = now();
      if (run.status() == ScheduleStatus.RUNNING && !services.leases().takeable(run.lease(), run.attempt(), by, now)) {
        return new Claim.Busy(run);
      }
      if (run.attempt() >= maxAttempts) {
        ScheduledRun failed = run.finished(ScheduleStatus.FAILED, null, new ErrorInfo(ATTEMPTS_EXHAUSTED, "gave up after "
            + run.attempt() + " attempt(s), each of which died before finishing"), now, services.expiry());
        if (store().replace(failed, run.version())) {
          return new Claim.Exhausted(failed);
        }
        continue;
      }
      ScheduledRun claimed = run.claimed(now, services.leases().lease(by, now));
      if (store().replace(claimed, run.version())) {
        return new Claim.Claimed(claimed);
      }
    }
  }

  /**
   * Ends a running run. A chunk's end is fenced by its claim: when another attempt took the chunk
   * over meanwhile, nothing is written. A workflow run's end mirrors its execution, which any
   * delivery may do.
   *
   * @return true when this call ended it
   */
  public boolean finish(ScheduledRun as, ScheduleStatus status, String runId, ErrorInfo error) {
    ScheduledRun current = as;
    while (current != null && current.status() == ScheduleStatus.RUNNING) {
      if (move(current, current.finished(status, runId, error, now(), services.expiry()))) {
        return true;
      }
      if (as.kind() == ScheduledRun.Kind.CHUNK) {
        return false;
      }
      current = store().get(as.id()).orElse(null);
    }
    return false;
  }

  /**
   * Replaces {@code before} by {@code after}, with a batch item's counters in the same transaction.
   * An item whose job is gone (its counters refuse the write) still moves, uncounted.
   */
  boolean move(ScheduledRun before, ScheduledRun after) {
    ScheduleWrite.UpdateBatch count = count(before, after);
    if (count == null) {
      return store().replace(after, before.version());
    }
    if (store().write(List.of(new ScheduleWrite.Replace(after, before.version()), count))) {
      return true;
    }
    return store().getBatch(count.batchId()).isEmpty() && store().replace(after, before.version());
  }

  /** How a batch item's move changes its job's counters: null for runs, chunks and moves that change no count. */
  static ScheduleWrite.UpdateBatch count(ScheduledRun before, ScheduledRun after) {
    if (before.kind() != ScheduledRun.Kind.ITEM || before.chainId() == null) {
      return null;
    }
    int done = counts(after, false) - counts(before, false);
    int failed = counts(after, true) - counts(before, true);
    return done == 0 && failed == 0 ? null : ScheduleWrite.UpdateBatch.count(before.chainId(), done, failed);
  }

  /** 1 when a run in this state counts as failed ({@code failed}) or done (otherwise): cancelled and unfinished count as neither. */
  private static int counts(ScheduledRun r, boolean failed) {
    if (!r.ended() || r.status() == ScheduleStatus.CANCELLED) {
      return 0;
    }
    return (r.status() == ScheduleStatus.FAILED) == failed ? 1 : 0;
  }

  /** Gives a claimed chunk back, pending again at {@code due}; fenced like {@link #finish}. */
  public boolean release(ScheduledRun as, Instant due) {
    return store().replace(as.pendingAgain(due), as.version());
  }

  /** Makes a pending run due now (a paused batch chunk parked for later, when its job resumes); @return whether it is pending */
  public boolean dueNow(String id) {
    while (true) {
      ScheduledRun run = store().get(id).orElse(null);
      if (run == null || run.status() != ScheduleStatus.PENDING) {
        return false;
      }
      if (!run.dueAt().isAfter(now()) || store().replace(run.pendingAgain(now()), run.version())) {
        return true;
      }
    }
  }

  /** Ends a run that has not started: pending → {@code status} (a removed workflow, say). */
  public boolean endPending(String id, ScheduleStatus status, ErrorInfo error) {
    while (true) {
      ScheduledRun run = store().get(id).orElse(null);
      if (run == null || run.status() != ScheduleStatus.PENDING) {
        return false;
      }
      if (move(run, run.finished(status, null, error, now(), services.expiry()))) {
        return true;
      }
    }
  }

  /** A cancellation: the run after it (null when unknown), and whether this call made it. */
  public record Cancel(ScheduledRun run, boolean byThisCall) {}

  /** pending → cancelled; a run that is not pending is left as it is. */
  public Cancel cancelPending(String id) {
    while (true) {
      ScheduledRun found = store().get(id).orElse(null);
      if (found == null || found.status() != ScheduleStatus.PENDING) {
        return new Cancel(found, false);
      }
      ScheduledRun cancelled = found.finished(ScheduleStatus.CANCELLED, null, null, now(), services.expiry());
      if (store().replace(cancelled, found.version())) {
        return new Cancel(cancelled, true);
      }
    }
  }

  /** @return the run after: cancelled now, or as it was when it is not pending; empty when unknown */
  public Optional<ScheduledRun> cancel(String id) {
    return Optional.ofNullable(cancelPending(id).run());
  }

  /** Puts a failed run back to pending, due at {@code due}; @return it, or empty when it was not failed */
  public Optional<ScheduledRun> retry(String id, Instant due) {
    while (true) {
      ScheduledRun run = store().get(id).orElse(null);
      if (run == null || run.status() != ScheduleStatus.FAILED) {
        return Optional.empty();
      }
      ScheduledRun again = run.pendingAgain(due);
      if (move(run, again)) {
        return Optional.of(again);
      }
    }
  }
}
