package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweeper: nothing accepted is lost when an invocation dies mid-run or a delivery goes astray. */
class SweepTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE));

  private int notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().size();
  }

  @Test
  void aRunWhoseInvocationDiedIsRunAgainAfterItsLease() {
    String id = new Scheduling(stack.services, stack.engine.workflows()).schedule("write-note", Map.of("text", "x"), stack.clock.instant(), "api", null).id();
    stack.scheduler.fireDue(stack.clock.instant(), d -> stack.schedules.claim(d.scheduledRunId(), stack.clock.instant())); // claimed, then the invocation died
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0));
    stack.clock.advance(ScheduleStore.CLAIM_LEASE.plusMinutes(1));
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(1, 0));
    stack.fireDue();
    assertThat(notes()).isEqualTo(1);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0));
  }

  @Test
  void aPendingRunWhoseDeliveryWasLostIsDispatchedOnceOverdue() {
    String id = new Scheduling(stack.services, stack.engine.workflows()).schedule("write-note", Map.of("text", "y"),
        stack.clock.instant().plusSeconds(60), "api", null).id();
    stack.scheduler.cancel(id); // the delivery went astray
    stack.clock.advance(Duration.ofMinutes(3));
    assertThat(stack.deliveries.sweep().lostDeliveries()).isZero(); // not overdue enough yet
    stack.clock.advance(Duration.ofMinutes(5));
    assertThat(stack.deliveries.sweep().lostDeliveries()).isEqualTo(1);
    stack.fireDue();
    assertThat(notes()).isEqualTo(1);
  }
}
