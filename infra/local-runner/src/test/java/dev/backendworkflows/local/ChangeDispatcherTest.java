package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.datachange.ChangeTriggers;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.ChangeFixtures;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The local change feed's delivery: a change whose run cannot be recorded stays at the head of the
 * feed and holds back the changes after it until it is delivered; a run that fails is recorded,
 * and its change counts as delivered.
 */
class ChangeDispatcherTest {
  private final MapThingStore store = new MapThingStore();
  private final Fixtures.Stack stack = new Fixtures.Stack(ChangeFixtures.workflows("order-paid.yaml", ChangeFixtures.PAID,
      "fail-on-paid.yaml", """
          name: fail-on-paid
          trigger: { data_change: { type: order, on: [changed], when: "{% $new.status = 'refunded' %}" } }
          steps:
            - { action: update_thing, type: note, thing_id: missing, fields: { text: x } }
          """), MutableClock.at("2026-03-01T09:00:00Z"),
      clock -> new Fixtures.Stores(store, new dev.backendworkflows.runlog.local.MapRunLog(clock),
          new dev.backendworkflows.schedule.local.MapScheduleStore(), new dev.backendworkflows.execution.local.MapIdempotencyStore()));
  private final ChangeDispatcher dispatcher = new ChangeDispatcher(store, new ChangeTriggers(stack.engine), Invocation::untimed,
      stack.clock);

  private void order(String id, String status) {
    store.create(new Thing("order", id, Map.of("status", status), stack.clock.instant(), stack.clock.instant()));
  }

  private List<RunRecord> runs(String workflow) {
    return stack.runs.query(new RunQuery(workflow, null, 10, null)).runs();
  }

  @Test
  void aChangeWhoseRunCannotBeRecordedHoldsBackTheRestUntilItIsDeliveredInOrder() {
    order("o1", "pending");
    order("o2", "pending");
    store.update("order", "o1", Map.of("status", "paid"), stack.clock.instant());
    store.update("order", "o2", Map.of("status", "paid"), stack.clock.instant());
    stack.faults.failBefore(call -> call.equals("RunLog.write"), 1); // the run log refuses o1's run once

    assertThatThrownBy(dispatcher::drain).isInstanceOf(Faults.Fault.class);
    assertThat(runs("order-paid")).isEmpty();
    assertThat(store.changes(10)).extracting(c -> c.id()).containsExactly("o1", "o2"); // creates are not watched

    assertThat(dispatcher.drain()).isEqualTo(2);
    assertThat(runs("order-paid")).extracting(r -> r.caller()).containsExactlyInAnyOrder("data_change:order/o1", "data_change:order/o2");
    assertThat(store.changes(10)).isEmpty();
  }

  @Test
  void aRunThatFailsIsRecordedAndItsChangeCountsAsDelivered() {
    order("o1", "paid");
    store.update("order", "o1", Map.of("status", "refunded"), stack.clock.instant());

    assertThat(dispatcher.drain()).isEqualTo(1);

    assertThat(runs("fail-on-paid")).singleElement().satisfies(r -> assertThat(r.status()).isEqualTo(RunStatus.FAILED));
    assertThat(store.changes(10)).isEmpty();
  }
}
