package dev.backendworkflows.local;

import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.datachange.ChangeTriggers;
import dev.backendworkflows.datachange.ThingChange;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.StructuredLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The local runner's stand-in for a DynamoDB stream's event source mapping: it hands the local
 * store's committed thing changes to their data_change workflows on a thread of its own, one at a
 * time in commit order, and drops a change from the feed only once its runs are recorded. A change
 * whose delivery fails (the run log would not take its run) is delivered again, holding back the
 * changes after it as a stream shard does; one delivered twice (the runner was killed between its
 * run and its acknowledgement) finds its run by the id the change gives it, and runs it once.
 */
final class ChangeDispatcher implements AutoCloseable {
  private static final int BATCH = 100;
  private static final Duration IDLE = Duration.ofMillis(200);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  /** How long closing waits for a run under way to end; one that does not is continued at the next start. */
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
  private final MapThingStore store;
  private final ChangeTriggers triggers;
  private final Supplier<Invocation> invocations;
  private final Object signal = new Object();
  private final Object delivering = new Object();
  private volatile boolean stopped;
  private volatile Thread thread;

  ChangeDispatcher(MapThingStore store, ChangeTriggers triggers, Supplier<Invocation> invocations, java.time.Clock clock) {
    this.store = store;
    this.triggers = triggers;
    this.invocations = invocations;
    store.recordChanges(triggers.watched(), clock);
    store.onChange(this::wake);
  }

  /** Starts delivering on a thread of its own (the changes of earlier sessions first). */
  synchronized void start() {
    if (thread == null && !triggers.watched().isEmpty()) {
      thread = Thread.ofPlatform().daemon().name("local-data-changes").start(this::loop);
    }
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /**
   * Delivers every change in the feed now, on the calling thread, until the feed is empty or the
   * dispatcher is closed; what fails stays in the feed.
   *
   * @return how many changes were delivered
   */
  int drain() {
    int delivered = 0;
    while (!stopped) {
      List<ThingChange> batch = store.changes(BATCH);
      if (batch.isEmpty()) {
        return delivered;
      }
      for (ThingChange change : batch) {
        if (stopped) {
          return delivered;
        }
        deliver(change);
        delivered++;
      }
    }
    return delivered;
  }

  /** Delivers one change and drops it from the feed; throws, leaving it there, when its runs are not recorded and ended. */
  private void deliver(ThingChange change) {
    synchronized (delivering) {
      if (store.changes(1).stream().noneMatch(c -> c.sequence().equals(change.sequence()))) {
        return; // delivered by another drain meanwhile
      }
      triggers.deliver(change, invocations.get());
      store.acknowledge(change.sequence());
    }
  }

  private void loop() {
    Duration backoff = Duration.ofMillis(100);
    while (!stopped) {
      try {
        if (drain() == 0) {
          synchronized (signal) {
            if (!stopped) {
              signal.wait(IDLE.toMillis());
            }
          }
        }
        backoff = Duration.ofMillis(100);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        if (stopped) {
          return; // closing under a delivery: the change stays in the feed for the next start
        }
        StructuredLog.write("error", "a data change could not be delivered; it is tried again in " + backoff.toMillis() + " ms: " + e,
            Map.of());
        synchronized (signal) {
          try {
            signal.wait(backoff.toMillis());
          } catch (InterruptedException interrupted) {
            return;
          }
        }
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
      }
    }
  }

  /**
   * Stops taking changes and waits for a delivery under way to end. It is never interrupted: an
   * interrupted api_call would fail its run, which would then count as delivered. A run still going
   * after the wait is left to the next start (its change is still in the feed).
   */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    wake();
    Thread t = thread;
    if (t != null) {
      t.join(CLOSE_WAIT);
    }
  }
}
