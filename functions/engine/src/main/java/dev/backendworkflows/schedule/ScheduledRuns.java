package dev.backendworkflows.schedule;

import dev.backendworkflows.engine.Services;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.Optional;

/**
 * The life of a scheduled run, stated once: pending → running (a delivery starts it, or an attempt
 * claims a chunk) → succeeded | failed | terminated, pending → cancelled, failed → pending (a retry).
 * Each transition is a compare-and-set of the run's version in the {@link ScheduleStore}, so of
 * two concurrent writers one wins and the other sees why.
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
      if (store().replace(current.finished(status, runId, error, now(), services.expiry()), current.version())) {
        return true;
      }
      if (as.kind() == ScheduledRun.Kind.CHUNK) {
        return false;
      }
      current = store().get(as.id()).orElse(null);
    }
    return false;
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
      if (store().replace(run.finished(status, null, error, now(), services.expiry()), run.version())) {
        return true;
      }
    }
  }

  /** @return the run after: cancelled now, or as it was when it is not pending; empty when unknown */
  public Optional<ScheduledRun> cancel(String id) {
    while (true) {
      Optional<ScheduledRun> found = store().get(id);
      if (found.isEmpty() || found.get().status() != ScheduleStatus.PENDING) {
        return found;
      }
      ScheduledRun cancelled = found.get().finished(ScheduleStatus.CANCELLED, null, null, now(), services.expiry());
      if (store().replace(cancelled, found.get().version())) {
        return Optional.of(cancelled);
      }
    }
  }

  /** Puts a failed run back to pending, due at {@code due}; @return it, or empty when it was not failed */
  public Optional<ScheduledRun> retry(String id, Instant due) {
    while (true) {
      ScheduledRun run = store().get(id).orElse(null);
      if (run == null || run.status() != ScheduleStatus.FAILED) {
        return Optional.empty();
      }
      ScheduledRun again = run.pendingAgain(due);
      if (store().replace(again, run.version())) {
        return Optional.of(again);
      }
    }
  }
}
