package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.internal.Ids;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Scheduler} adapter must have, observed through {@link Scheduler#due}
 * (which the local runner also uses to fire schedules an emulator stores but never fires).
 */
public abstract class SchedulerContract {
  protected Scheduler scheduler;
  /** Far enough ahead that a real service accepts it as a future time; whole seconds, as at() has. */
  protected final Instant future = Instant.now().plus(2, ChronoUnit.DAYS).truncatedTo(ChronoUnit.SECONDS);

  protected abstract Scheduler newScheduler();

  /** The workflow deliveries go to; adapters that map workflows to targets must know it. */
  protected String workflow() {
    return "onboard-user";
  }

  @BeforeEach
  void setUp() {
    scheduler = newScheduler();
  }

  private String id() {
    return Ids.newId(Instant.now());
  }

  private boolean isDue(String id, Instant now) {
    return scheduler.due(now).stream().anyMatch(d -> d.scheduledRunId().equals(id));
  }

  @Test
  void deliveryBecomesDueAtItsTimeWithItsWorkflow() {
    String id = id();
    scheduler.deliverAt(id, workflow(), future);
    assertThat(isDue(id, future.minusSeconds(1))).isFalse();
    assertThat(scheduler.due(future)).filteredOn(d -> d.scheduledRunId().equals(id))
        .singleElement().satisfies(d -> {
          assertThat(d.at()).isEqualTo(future);
          assertThat(d.workflow()).isEqualTo(workflow());
        });
  }

  @Test
  void arrangingTwiceMakesOneDelivery() {
    String id = id();
    scheduler.deliverAt(id, workflow(), future);
    scheduler.deliverAt(id, workflow(), future);
    assertThat(scheduler.due(future)).filteredOn(d -> d.scheduledRunId().equals(id)).hasSize(1);
  }

  @Test
  void cancelledDeliveryIsNeverDue() {
    String id = id();
    scheduler.deliverAt(id, workflow(), future);
    scheduler.cancel(id);
    assertThat(isDue(id, future.plusSeconds(3600))).isFalse();
    scheduler.cancel(id); // cancelling again, or something unknown, is not an error
    scheduler.cancel("unknown-" + id);
  }

  @Test
  void deliveredIsForgotten() {
    String id = id();
    scheduler.deliverAt(id, workflow(), future);
    scheduler.delivered(id);
    assertThat(isDue(id, future.plusSeconds(60))).isFalse();
  }
}
