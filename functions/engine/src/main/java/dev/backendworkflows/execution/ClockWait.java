package dev.backendworkflows.execution;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Waiting on the services' clock, for pacing: a clock a test moves ({@link Movable}) is moved to the
 * time waited for; any other is slept on. Tests of rates then take no wall-clock time and still see
 * every start at the instant it would have had.
 */
public final class ClockWait {
  private ClockWait() {
  }

  /** A clock whose time is moved by hand (a test's): waiting moves it forward. */
  public interface Movable {
    /** Moves the clock to {@code t} unless it is past it already. */
    void advanceTo(Instant t);
  }

  /** Returns once {@code clock} reads {@code t} or later. */
  public static void until(Clock clock, Instant t) {
    if (clock instanceof Movable m) {
      m.advanceTo(t);
      return;
    }
    Duration left = Duration.between(clock.instant(), t);
    long wallLimit = System.nanoTime() + Math.max(0, left.toNanos()); // a clock that stands still is not waited on forever
    while (!left.isNegative() && !left.isZero() && System.nanoTime() < wallLimit) {
      try {
        Thread.sleep(left.toMillis(), left.toNanosPart() % 1_000_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      left = Duration.between(clock.instant(), t);
    }
  }
}
