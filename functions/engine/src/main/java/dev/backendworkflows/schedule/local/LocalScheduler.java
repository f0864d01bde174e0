package dev.backendworkflows.schedule.local;

import dev.backendworkflows.schedule.Dispatcher;
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

  @Override
  public void deliverAt(String scheduledRunId, String workflow, Instant at) {
    deliveries.putIfAbsent(scheduledRunId, new Delivery(scheduledRunId, workflow, at));
  }

  @Override
  public void dispatchNow(String scheduledRunId, String workflow) {
    deliveries.put(scheduledRunId, new Delivery(scheduledRunId, workflow, Instant.EPOCH));
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
      if (deliveries.remove(d.scheduledRunId(), d)) {
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
}
