package dev.backendworkflows.datachange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.ChangeFixtures;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** data_change triggers on the local store's change feed: what fires, with what, how often, and how deep. */
class ChangeTriggersTest {
  private final MapThingStore store = new MapThingStore();
  private final Fixtures.Stack stack = new Fixtures.Stack(ChangeFixtures.workflows("order-paid.yaml", ChangeFixtures.PAID,
      "order-lifecycle.yaml", ChangeFixtures.LIFECYCLE, "set-status.yaml", ChangeFixtures.SET_STATUS, "bump.yaml", ChangeFixtures.BUMP,
      "start.yaml", ChangeFixtures.START), MutableClock.at("2026-03-01T09:00:00Z"),
      clock -> new Fixtures.Stores(store, new dev.backendworkflows.runlog.local.MapRunLog(clock),
          new dev.backendworkflows.schedule.local.MapScheduleStore(), new dev.backendworkflows.execution.local.MapIdempotencyStore()));
  private final ChangeTriggers triggers = new ChangeTriggers(stack.engine);

  ChangeTriggersTest() {
    store.recordChanges(triggers.watched(), stack.clock);
  }

  private Thing order(String id, String status) {
    Thing t = new Thing("order", id, Map.of("status", status, "amount_cents", 4200, "customer_email", "a@example.com"),
        stack.clock.instant(), stack.clock.instant());
    stack.things.create(t);
    return t;
  }

  private void setStatus(String id, Map<String, Object> fields) {
    Map<String, Object> params = new LinkedHashMap<>(fields);
    params.put("id", id);
    assertThat(stack.engine.run(new RunRequest("set-status", params, "api", "test")).record().status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  /** Delivers every change in the feed, in order, acknowledging each; returns the outcomes. */
  private List<RunOutcome> deliverAll() {
    List<RunOutcome> outcomes = new ArrayList<>();
    int delivered = 0;
    for (List<ThingChange> batch = store.changes(100); !batch.isEmpty(); batch = store.changes(100)) {
      for (ThingChange c : batch) {
        assertThat(++delivered).as("changes delivered: a loop the guard did not stop").isLessThan(100);
        outcomes.addAll(triggers.deliver(c, Invocation.untimed()));
        store.acknowledge(c.sequence());
      }
    }
    return outcomes;
  }

  private List<String> notes() {
    return store.search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false, 100, null, null, null)).things()
        .stream().map(t -> (String) t.fields().get("text")).toList();
  }

  private List<RunRecord> runs(String workflow) {
    return stack.runs.query(new RunQuery(workflow, null, 100, null)).runs();
  }

  @Test
  void aChangeRunsItsWorkflowOnceWithOldAndNew() {
    order("o1", "pending");
    deliverAll(); // the create: order-lifecycle's
    setStatus("o1", Map.of("status", "paid"));

    List<RunOutcome> outcomes = deliverAll();

    assertThat(outcomes).hasSize(1);
    RunRecord run = outcomes.getFirst().record();
    assertThat(run.workflow()).isEqualTo("order-paid");
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run.trigger()).isEqualTo(ChangeTriggers.TRIGGER);
    assertThat(run.caller()).isEqualTo("data_change:order/o1");
    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "pending->paid o1 changed");
    assertThat(((Map<?, ?>) run.params().get("old")).get("status")).isEqualTo("pending");
    assertThat(((Map<?, ?>) run.params().get("new")).get("status")).isEqualTo("paid");
  }

  @Test
  void aCreateAndADeleteSeeOnlyTheThingThatIsThere() {
    order("o1", "pending");
    stack.things.delete("order", "o1");

    deliverAll();

    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "deleted:-:pending");
  }

  @Test
  void anUnrelatedChangeOrTypeRunsNothing() {
    order("o1", "pending");
    deliverAll();
    setStatus("o1", Map.of("amount_cents", 100)); // not a watched field
    setStatus("o1", Map.of("status", "pending")); // the same value: no field changed
    setStatus("o1", Map.of("status", "shipped")); // a watched field, but the condition does not hold
    stack.things.create(new Thing("note", "n1", Map.of("text", "x"), stack.clock.instant(), stack.clock.instant()));

    assertThat(deliverAll()).isEmpty();
    assertThat(runs("order-paid")).isEmpty();
    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "x");
  }

  @Test
  void namedFieldsAloneDecideWhichChangesRunTheWorkflow() {
    Fixtures.Stack s = new Fixtures.Stack(ChangeFixtures.workflows("status-watch.yaml", """
        name: status-watch
        trigger: { data_change: { type: order, on: [changed], fields: [status] } }
        steps:
          - { action: create_thing, type: note, fields: { text: "{% $new.status %}" } }
        """));
    ChangeTriggers t = new ChangeTriggers(s.engine);
    Thing before = new Thing("order", "o1", Map.of("status", "new", "amount_cents", 1), s.clock.instant(), s.clock.instant(), 1);
    Thing amountOnly = new Thing("order", "o1", Map.of("status", "new", "amount_cents", 2), s.clock.instant(), s.clock.instant(), 2);
    Thing statusToo = new Thing("order", "o1", Map.of("status", "paid", "amount_cents", 2), s.clock.instant(), s.clock.instant(), 3);

    assertThat(t.deliver(ThingChange.of("1", before, amountOnly, 0, s.clock.instant()), Invocation.untimed())).isEmpty();
    assertThat(t.deliver(ThingChange.of("2", amountOnly, statusToo, 0, s.clock.instant()), Invocation.untimed())).hasSize(1);
    assertThat(s.runs.query(new RunQuery("status-watch", null, 10, null)).runs()).hasSize(1);
  }

  @Test
  void moreThanTwoWorkflowsReadingTheStreamIsWarnedAbout() {
    assertThat(stack.engine.workflows().warnings()).anySatisfy(w -> assertThat(w.toString())
        .contains("3 data_change workflows (bump, order-lifecycle, order-paid)").contains("serves 2 readers well"));
    assertThat(ChangeFixtures.workflows("order-paid.yaml", ChangeFixtures.PAID).warnings()).isEmpty();
  }

  @Test
  void aChangeDeliveredTwiceRunsOnce() {
    order("o1", "pending");
    deliverAll();
    setStatus("o1", Map.of("status", "paid"));
    ThingChange change = store.changes(1).getFirst();

    RunOutcome first = triggers.deliver(change, Invocation.untimed()).getFirst();
    RunOutcome again = triggers.deliver(change, Invocation.untimed()).getFirst();

    assertThat(again.kind()).isEqualTo(RunOutcome.Kind.REPLAYED);
    assertThat(again.record().runId()).isEqualTo(first.record().runId());
    assertThat(runs("order-paid")).hasSize(1);
    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "pending->paid o1 changed");
  }

  @Test
  void aDeliveryKilledMidRunIsFinishedByTheNextWithOneEffect() {
    order("o1", "pending");
    deliverAll();
    setStatus("o1", Map.of("status", "paid"));
    ThingChange change = store.changes(1).getFirst();
    // calls: the run's start, the step's mark, the note's create, the run's end: die after the create
    stack.faults.crashAt(2 * 2 + 1);

    assertThatThrownBy(() -> triggers.deliver(change, Invocation.untimed())).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    assertThat(notes()).hasSize(2); // the effect was made
    assertThat(runs("order-paid")).singleElement().extracting(RunRecord::status).isEqualTo(RunStatus.RUNNING);
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plus(Duration.ofMinutes(1))); // the dead attempt's lease runs out

    RunOutcome redelivered = triggers.deliver(change, Invocation.untimed()).getFirst();

    assertThat(redelivered.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(runs("order-paid")).hasSize(1);
    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "pending->paid o1 changed");
  }

  @Test
  void aChangeWhoseRunAnotherAttemptStillHoldsIsNotDeliveredYet() {
    order("o1", "pending");
    deliverAll();
    setStatus("o1", Map.of("status", "paid"));
    ThingChange change = store.changes(1).getFirst();
    stack.faults.crashAt(2 * 2 + 1); // the attempt dies after the note's create, its lease still running
    assertThatThrownBy(() -> triggers.deliver(change, Invocation.untimed())).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    Invocation retry = new Invocation("retry", stack.clock.instant().plus(Duration.ofMinutes(15)));

    assertThatThrownBy(() -> triggers.deliver(change, retry)).isInstanceOf(DeliveryPendingException.class)
        .hasMessageContaining("deliver the change again later");

    stack.clock.advance(LeasePolicy.LONGEST_RUN.plus(Duration.ofMinutes(1)));
    assertThat(triggers.deliver(change, retry).getFirst().record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(notes()).containsExactlyInAnyOrder("created:pending:-", "pending->paid o1 changed");
  }

  @Test
  void onlyTheWatchedEventsOfAWatchedTypeAreRecorded() {
    MapThingStore only = new MapThingStore();
    only.recordChanges(Map.of("order", java.util.EnumSet.of(dev.backendworkflows.definition.Trigger.ChangeEvent.CHANGED)), stack.clock);
    only.create(new Thing("order", "o1", Map.of("status", "new"), stack.clock.instant(), stack.clock.instant()));
    only.update("order", "o1", Map.of("status", "paid"), stack.clock.instant());
    only.delete("order", "o1");

    assertThat(only.changes(10)).extracting(ThingChange::event).containsExactly(dev.backendworkflows.definition.Trigger.ChangeEvent.CHANGED);
    assertThat(only.changes(10).getFirst().at()).isEqualTo(stack.clock.instant());
  }

  @Test
  void aTriggerLoopStopsAtItsGuardAndTheRunLogSaysSo() {
    stack.things.create(new Thing("counter", "c1", Map.of("n", 0), stack.clock.instant(), stack.clock.instant()));
    deliverAll();
    stack.engine.run(new RunRequest("start", Map.of("id", "c1"), "api", "test"));

    deliverAll();

    List<RunRecord> bumps = runs("bump");
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.SUCCEEDED).hasSize(ChangeTriggers.MAX_DEPTH);
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.REJECTED).singleElement()
        .satisfies(r -> assertThat(r.error().code()).isEqualTo(ChangeTriggers.DEPTH_EXCEEDED));
    assertThat(bumps).hasSize(ChangeTriggers.MAX_DEPTH + 1);
    // the change past the guard was made and kept: only its trigger was refused
    assertThat(((Number) store.get("counter", "c1").orElseThrow().fields().get("n")).intValue()).isEqualTo(1 + ChangeTriggers.MAX_DEPTH);
    assertThat(store.changes(10)).isEmpty();
  }

  @Test
  void aTriggerMayGuardAtADepthOfItsOwn() {
    MapThingStore feed = new MapThingStore();
    Fixtures.Stack s = new Fixtures.Stack(ChangeFixtures.workflows("bump.yaml", ChangeFixtures.BUMP.replace(
        "data_change: { type: counter, on: [changed] }", "data_change: { type: counter, on: [changed], max_depth: 2 }"),
        "start.yaml", ChangeFixtures.START), MutableClock.at("2026-03-01T09:00:00Z"),
        clock -> new Fixtures.Stores(feed, new dev.backendworkflows.runlog.local.MapRunLog(clock),
            new dev.backendworkflows.schedule.local.MapScheduleStore(), new dev.backendworkflows.execution.local.MapIdempotencyStore()));
    ChangeTriggers t = new ChangeTriggers(s.engine);
    feed.recordChanges(t.watched(), s.clock);
    feed.create(new Thing("counter", "c1", Map.of("n", 0), s.clock.instant(), s.clock.instant()));
    s.engine.run(new RunRequest("start", Map.of("id", "c1"), "api", "test"));

    for (int round = 0; round < 20 && !feed.changes(1).isEmpty(); round++) {
      ThingChange c = feed.changes(1).getFirst();
      t.deliver(c, Invocation.untimed());
      feed.acknowledge(c.sequence());
    }

    List<RunRecord> bumps = s.runs.query(new RunQuery("bump", null, 100, null)).runs();
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.SUCCEEDED).hasSize(2);
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.REJECTED).singleElement()
        .satisfies(r -> assertThat(r.error().message()).contains("from 2 (max_depth)"));
  }

  @Test
  void aChangeCarriesTheDepthOfTheRunThatMadeItAndADeleteThatOfTheLastWrite() {
    store.atDepth(3).create(new Thing("order", "o1", Map.of("status", "new"), stack.clock.instant(), stack.clock.instant()));
    store.atDepth(2).update("order", "o1", Map.of("status", "pending"), stack.clock.instant());
    store.atDepth(4).delete("order", "o1");

    assertThat(store.changes(10)).extracting(ThingChange::event, ThingChange::depth).containsExactly(
        org.assertj.core.groups.Tuple.tuple(dev.backendworkflows.definition.Trigger.ChangeEvent.CREATED, 3),
        org.assertj.core.groups.Tuple.tuple(dev.backendworkflows.definition.Trigger.ChangeEvent.CHANGED, 2),
        org.assertj.core.groups.Tuple.tuple(dev.backendworkflows.definition.Trigger.ChangeEvent.DELETED, 2));
    assertThat(store.get("note", "x")).isEmpty();
  }

  @Test
  void sequenceNumbersOnlyGrowEvenAfterEveryChangeWasAcknowledged() {
    var map = new java.util.concurrent.ConcurrentSkipListMap<String, String>();
    MapThingStore first = new MapThingStore(map);
    first.recordChanges(Map.of("order", java.util.EnumSet.allOf(dev.backendworkflows.definition.Trigger.ChangeEvent.class)), stack.clock);
    first.create(new Thing("order", "o1", Map.of(), stack.clock.instant(), stack.clock.instant()));
    String used = first.changes(1).getFirst().sequence();
    first.acknowledge(used);

    MapThingStore reopened = new MapThingStore(map); // a restart on the same data
    reopened.recordChanges(Map.of("order", java.util.EnumSet.allOf(dev.backendworkflows.definition.Trigger.ChangeEvent.class)), stack.clock);
    reopened.update("order", "o1", Map.of("status", "x"), stack.clock.instant());

    assertThat(reopened.changes(1).getFirst().sequence()).isGreaterThan(used);
  }

  @Test
  void typesNobodyWatchesAreNotRecorded() {
    stack.things.create(new Thing("note", "n1", Map.of("text", "x"), stack.clock.instant(), stack.clock.instant()));
    assertThat(store.changes(10)).isEmpty();
  }

  @Test
  void aDataChangeWorkflowCannotBeScheduledOrGivenParameters() {
    assertThatThrownBy(() -> ChangeFixtures.workflows("order-paid.yaml", ChangeFixtures.PAID, "later.yaml", """
        name: later
        trigger: { api: {} }
        steps:
          - { action: schedule_workflow, workflow: order-paid, after: PT1M }
        """)).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("later.yaml: steps[0].workflow: 'order-paid' runs only when a order changes");
    assertThatThrownBy(() -> ChangeFixtures.workflows("w.yaml", """
        name: w
        trigger: { data_change: { type: order } }
        parameters: { x: { type: text } }
        steps: [ { action: log, message: hi } ]
        """)).isInstanceOf(DefinitionException.class).hasMessageContaining("w.yaml: parameters: a data_change workflow");
  }

  @Test
  void aTriggerIsCheckedAgainstTheDataSchemaEveryErrorAtOnce() {
    assertThatThrownBy(() -> ChangeFixtures.workflows("w.yaml", """
        name: w
        trigger:
          data_change:
            type: order
            on: [created]
            fields: [status, colour]
            when: "{% $params.x = 1 or $new.stauts = 'paid' or $lookup($old, 'status') %}"
        steps: [ { action: log, message: hi } ]
        """)).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("w.yaml: trigger.data_change.fields[1]: 'colour' is not a field of order")
        .hasMessageContaining("w.yaml: trigger.data_change.fields: fields narrow which changes run the workflow, but 'on' does not include changed")
        .hasMessageContaining("w.yaml: trigger.data_change.when: '$params' in")
        .hasMessageContaining("w.yaml: trigger.data_change.when: 'stauts' in")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("'$lookup'"));
    assertThatThrownBy(() -> ChangeFixtures.workflows("w.yaml", """
        name: w
        trigger: { data_change: { type: invoice } }
        steps: [ { action: log, message: hi } ]
        """)).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("w.yaml: trigger.data_change.type: unknown type 'invoice' (declared in data-schema.yaml: counter, note, order)");
  }

  @Test
  void aConditionThatFailsRecordsARejectedRunOnce() {
    Workflows wfs = ChangeFixtures.workflows("bad.yaml", """
        name: bad
        trigger: { data_change: { type: order, when: "{% $error('no') %}" } }
        steps: [ { action: log, message: hi } ]
        """);
    Fixtures.Stack s = new Fixtures.Stack(wfs);
    ChangeTriggers t = new ChangeTriggers(s.engine);
    Thing o = new Thing("order", "o1", Map.of("status", "x"), s.clock.instant(), s.clock.instant());
    ThingChange change = ThingChange.of("00000000000000000001", null, o, 0, s.clock.instant());

    RunOutcome first = t.deliver(change, Invocation.untimed()).getFirst();
    t.deliver(change, Invocation.untimed());

    assertThat(first.record().status()).isEqualTo(RunStatus.REJECTED);
    assertThat(first.record().error().code()).isEqualTo(ChangeTriggers.CONDITION_FAILED);
    assertThat(s.runs.query(new RunQuery("bad", null, 10, null)).runs()).hasSize(1);
  }
}
