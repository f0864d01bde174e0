package dev.backendworkflows.execution;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * The one rule for claims, used by executions and batch chunks alike. A lease lasts until the
 * claiming invocation's deadline plus {@code margin} (or {@code untimed} from now when it has no
 * deadline). Another invocation may take the work over once the lease has passed and a backoff
 * that doubles with each attempt ({@code backoff}, 2×, 4×… capped at 15 minutes; none after the
 * first attempt); at once when the holder is the same invocation retried (Lambda retries an event
 * under its request id only after that try ended) or is known dead ({@code deadHolder}: the local
 * runner knows invocations of its earlier process are).
 */
public record LeasePolicy(Duration margin, Duration untimed, Duration backoff, Predicate<String> deadHolder) {
  /** Lambda's longest run: an invocation without a deadline is assumed to end within it. */
  public static final Duration LONGEST_RUN = Duration.ofMinutes(15);
  public static final LeasePolicy DEFAULT = new LeasePolicy(Duration.ofSeconds(10), LONGEST_RUN, Duration.ofMinutes(1), h -> false);
  private static final Duration MAX_BACKOFF = Duration.ofMinutes(15);

  /** The lease an invocation takes at {@code now}. */
  public Lease lease(Invocation invocation, Instant now) {
    Instant end = invocation.deadline() != null ? invocation.deadline() : now.plus(untimed);
    return new Lease(invocation.id(), end.plus(margin));
  }

  /**
   * Whether {@code by} may take over work held under {@code held} by attempt number {@code attempt}.
   * Unheld work (null, or a lease without holder) is always takeable.
   */
  public boolean takeable(Lease held, int attempt, Invocation by, Instant now) {
    if (held == null || held.holder() == null || held.until() == null) {
      return true;
    }
    if (held.holder().equals(by.id()) || deadHolder.test(held.holder())) {
      return true;
    }
    return !now.isBefore(retryAt(held, attempt));
  }

  /** When work whose attempt {@code attempt} held {@code held} becomes takeable by anyone. */
  public Instant retryAt(Lease held, int attempt) {
    return held.until().plus(backoffAfter(attempt));
  }

  /** The wait after attempt {@code attempt} expired before the next may start: 0, 1×, 2×, 4×… backoff. */
  public Duration backoffAfter(int attempt) {
    if (attempt <= 1) {
      return Duration.ZERO;
    }
    Duration d = backoff.multipliedBy(1L << Math.min(attempt - 2, 20));
    return d.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : d;
  }

  /** This policy, with holders matching {@code dead} treated as dead. */
  public LeasePolicy withDeadHolders(Predicate<String> dead) {
    return new LeasePolicy(margin, untimed, backoff, dead);
  }
}
