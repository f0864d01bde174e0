package dev.backendworkflows.schedule;

import java.time.Instant;
import java.util.List;

/**
 * Port: arranges for a scheduled run's id to be delivered back to its workflow's function at a
 * time. Delivery is at least once; {@link ScheduleStore#claim} makes the effect exactly once.
 * Adapters: {@code EventBridgeScheduler} (AWS), {@link dev.backendworkflows.schedule.local.LocalScheduler}.
 */
public interface Scheduler {

  /** Arranges delivery of {@code scheduledRunId} to {@code workflow} at {@code at}; idempotent per id. */
  void deliverAt(String scheduledRunId, String workflow, Instant at);

  /** Withdraws a pending delivery; does nothing when there is none. */
  void cancel(String scheduledRunId);

  /**
   * Deliveries whose time has come that this scheduler holds but does not fire by itself — the
   * local scheduler's, or schedules stored in an emulator that never fires them. Empty on AWS.
   */
  List<Delivery> due(Instant now);

  /** Forgets a delivery once it was made, as a one-time schedule deletes itself after firing. */
  void delivered(String scheduledRunId);

  /**
   * Arranges the firings of a recurring event (create or replace): each delivers the event's id
   * and the firing time to {@code event.workflow()}'s function.
   */
  void deliverRecurring(RecurringEvent event);

  /** Withdraws a recurring event's firings; does nothing when there are none. */
  void cancelRecurring(String recurringEventId);

  /**
   * A delivery: which scheduled run, to which workflow, when — or, with {@code resume}, which run
   * without a scheduled run to continue (an API run whose attempt died).
   */
  record Delivery(String scheduledRunId, String workflow, Instant at, boolean resume) {
    public Delivery(String scheduledRunId, String workflow, Instant at) {
      this(scheduledRunId, workflow, at, false);
    }
  }
}
