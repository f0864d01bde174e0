package dev.backendworkflows.schedule.local;

import dev.backendworkflows.schedule.Dispatcher;
import dev.backendworkflows.schedule.RecurringEvent;
import dev.backendworkflows.schedule.ScheduleExpression;
import dev.backendworkflows.schedule.Scheduler;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;

/**
 * The local scheduler and dispatcher: holds deliveries in memory and hands out the due ones when
 * polled ({@link #fireDue}); a run dispatched "now" is simply due at once. It keeps no state of its
 * own across restarts: the runner re-arms it from the schedule store, the source of truth, so
 * overdue runs fire right after a restart.
 */
public final class LocalScheduler implements Scheduler, Dispatcher {
  private final ConcurrentMap<String, Delivery> deliveries = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong arranged = new java.util.concurrent.atomic.AtomicLong();
  private final ConcurrentMap<String, RecurringEvent> recurring = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Instant> nextFiring = new ConcurrentHashMap<>();

  @Override
  public void deliverAt(String scheduledRunId, String workflow, Instant at) {
    arranged.incrementAndGet();
    deliveries.putIfAbsent(scheduledRunId, new Delivery(scheduledRunId, workflow, at));
  }

  @Override
  public void dispatchNow(String scheduledRunId, String workflow) {
    arranged.incrementAndGet();
    deliveries.put(scheduledRunId, new Delivery(scheduledRunId, workflow, Instant.EPOCH));
  }

  @Override
  public void resume(String runId, String workflow) {
    arranged.incrementAndGet();
    deliveries.put(RESUME + runId, new Delivery(runId, workflow, Instant.EPOCH, true));
  }

  private static final String RESUME = "resume:";

  /** How many deliveries were arranged: what EventBridge Scheduler and async invokes would be asked for. */
  public long arranged() {
    return arranged.get();
  }

  /**
   * Hands every delivery due at {@code now} to {@code deliver}, forgetting each first (a delivery
   * that fails is not retried here: its scheduled run records the failure and can be retried).
   *
   * @return how many were delivered
   */
  public int fireDue(Instant now, Consumer<Delivery> deliver) {
    int fired = 0;
    for (Delivery d : due(now)) {
      if (deliveries.remove(d.resume() ? RESUME + d.scheduledRunId() : d.scheduledRunId(), d)) {
        deliver.accept(d);
        fired++;
      }
    }
    return fired;
  }

  @Override
  public void cancel(String scheduledRunId) {
    deliveries.remove(scheduledRunId);
  }

  @Override
  public List<Delivery> due(Instant now) {
    return deliveries.values().stream().filter(d -> !d.at().isAfter(now))
        .sorted(Comparator.comparing(Delivery::at)).toList();
  }

  @Override
  public void delivered(String scheduledRunId) {
    deliveries.remove(scheduledRunId);
  }

  @Override
  public void deliverRecurring(RecurringEvent event) {
    arm(event, event.createdAt());
  }

  /** Arms a stored recurring event after a restart: firings missed meanwhile are not replayed. */
  public void rearmRecurring(RecurringEvent event, Instant now) {
    arm(event, now);
  }

  private synchronized void arm(RecurringEvent event, Instant from) {
    recurring.put(event.id(), event);
    Instant first = firstAfter(event.expression(), event, from);
    if (first == null) {
      nextFiring.remove(event.id());
    } else {
      nextFiring.put(event.id(), first);
    }
  }

  @Override
  public void cancelRecurring(String recurringEventId) {
    recurring.remove(recurringEventId);
    nextFiring.remove(recurringEventId);
  }

  /**
   * Hands every firing of a recurring event due at {@code now} to {@code fire} (event, firing
   * time). Counting starts at the first firing after the event was armed, or after its start.
   *
   * @return how many firings were handed out
   */
  public synchronized int fireRecurring(Instant now, java.util.function.BiConsumer<RecurringEvent, Instant> fire) {
    int fired = 0;
    for (RecurringEvent e : recurring.values()) {
      Instant next = nextFiring.get(e.id());
      if (next == null || next.isAfter(now)) {
        continue; // nothing due: no need to parse its expression on every tick
      }
      ScheduleExpression expression = e.expression();
      for (int i = 0; next != null && !next.isAfter(now) && i < 1000; i++) {
        fire.accept(e, next);
        fired++;
        next = expression.next(next, e.start()).orElse(null);
      }
      if (next == null) {
        nextFiring.remove(e.id());
      } else {
        nextFiring.put(e.id(), next);
      }
    }
    return fired;
  }

  private static Instant firstAfter(ScheduleExpression expression, RecurringEvent e, Instant after) {
    Instant from = e.start().isAfter(after) ? e.start().minusNanos(1) : after;
    return expression.next(from, e.start()).orElse(null);
  }
}
