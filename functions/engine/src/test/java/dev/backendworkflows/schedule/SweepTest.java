package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sweeper: nothing accepted is lost when an invocation dies mid-run or a delivery goes astray. */
class SweepTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE));

  private int notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().size();
  }

  private String schedule(String text, java.time.Instant due) {
    return new Scheduling(stack.services, stack.engine.workflows()).schedule("write-note", Map.of("text", text), due, "api", null).id();
  }

  @Test
  void sweep_whenARunsAttemptDiedAfterItsEffect_resumesItOnceTheLeasePassesWithoutRepeatingIt() {
    String id = schedule("x", stack.clock.instant());
    stack.faults.crashBefore(call -> call.equals("RunLog.write") && notes() == 1); // dies before the end is recorded
    assertThatThrownBy(stack::fireDue).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    assertThat(notes()).isEqualTo(1);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    assertThat(stack.deliveries.sweep().resumed()).isEqualTo(1);
    stack.fireDue();
    assertThat(notes()).isEqualTo(1);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    assertThat(stack.runs.get(id).orElseThrow().attempt()).isEqualTo(2);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
  }

  @Test
  void sweep_whenADeliveryWasLost_dispatchesThePendingRunOnceOverdue() {
    String id = schedule("y", stack.clock.instant().plusSeconds(60));
    stack.scheduler.cancel(id); // the delivery went astray
    stack.clock.advance(Duration.ofMinutes(3));
    assertThat(stack.deliveries.sweep().redelivered()).isZero(); // not overdue enough yet
    stack.clock.advance(Duration.ofMinutes(5));
    assertThat(stack.deliveries.sweep().redelivered()).isEqualTo(1);
    stack.fireDue();
    assertThat(notes()).isEqualTo(1);
  }

  @Test
  void sweep_whenARunOfARemovedWorkflowIsAheadOfLostDeliveries_endsItAndDeliversTheRest() {
    // scheduled by a deploy that still had "gone"; this deploy has not
    Fixtures.Stack before = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE, "gone.yaml",
        Fixtures.WRITE_NOTE.replace("name: write-note", "name: gone")));
    String gone = new Scheduling(before.services, before.engine.workflows()).schedule("gone", Map.of("text", "g"),
        stack.clock.instant(), "api", null).id();
    stack.schedules.create(before.schedules.get(gone).orElseThrow());
    List<String> lost = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      lost.add(schedule("lost-" + i, stack.clock.instant().plusSeconds(1 + i)));
    }
    lost.forEach(stack.scheduler::cancel);
    stack.clock.advance(Duration.ofMinutes(10));
    Deliveries.Sweep sweep = stack.deliveries.sweep();
    assertThat(sweep).isEqualTo(new Deliveries.Sweep(0, 3, 1, 0));
    ScheduledRun ended = stack.schedules.get(gone).orElseThrow();
    assertThat(ended.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(ended.error().code()).isEqualTo(WorkflowEngine.WORKFLOW_REMOVED);
    stack.fireDue();
    assertThat(notes()).isEqualTo(3);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
  }

  @Test
  void sweep_whenARunOfARemovedWorkflowDiedMidRun_endsItWorkflowRemoved() {
    Fixtures.Stores shared = Fixtures.Stores.local(stack.clock);
    Fixtures.Stack before = new Fixtures.Stack(Fixtures.workflows("gone.yaml", Fixtures.WRITE_NOTE.replace("name: write-note",
        "name: gone")), stack.clock, c -> shared);
    String id = new Scheduling(before.services, before.engine.workflows()).schedule("gone", Map.of("text", "g"),
        stack.clock.instant(), "api", null).id();
    before.faults.crashBefore(call -> call.equals("ThingStore.write"));
    assertThatThrownBy(before::fireDue).isInstanceOf(Faults.Crash.class);
    Fixtures.Stack after = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE), stack.clock, c -> shared);
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    assertThat(after.deliveries.sweep().ended()).isEqualTo(1);
    assertThat(after.runs.get(id).orElseThrow().error().code()).isEqualTo(WorkflowEngine.WORKFLOW_REMOVED);
    assertThat(after.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(after.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
  }

  @Test
  void sweep_whenAStartedRunsExecutionNeverBegins_givesUpAfterBoundedDeliveries() {
    String id = schedule("never", stack.clock.instant());
    stack.faults.crashBefore(call -> call.equals("RunLog.write")); // every start dies before its run is written
    for (int round = 0; round < 10; round++) {
      try {
        stack.fireDue();
      } catch (Faults.Crash dead) {
        // as every time
      }
      stack.clock.advance(Duration.ofHours(1)); // past the doubling wait before each redelivery
      stack.deliveries.sweep();
    }
    ScheduledRun gaveUp = stack.schedules.get(id).orElseThrow();
    assertThat(gaveUp.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(gaveUp.error().code()).isEqualTo("not_started");
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("Dispatcher.dispatchNow")).count())
        .isEqualTo(Deliveries.MAX_UNSTARTED_DELIVERIES);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
  }

  @Test
  void sweep_whenOneRunCannotBeDispatched_countsItAndHandlesTheOthers() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ids.add(schedule("n-" + i, stack.clock.instant().plusSeconds(1 + i)));
    }
    ids.forEach(stack.scheduler::cancel);
    stack.clock.advance(Duration.ofMinutes(10));
    // the first dispatch fails (its function is gone: ResourceNotFoundException on AWS); the rest must still go
    Dispatcher failing = new Dispatcher() {
      int calls;

      @Override
      public void dispatchNow(String id, String workflow) {
        if (calls++ == 0) {
          throw new IllegalStateException("Function not found");
        }
        stack.scheduler.dispatchNow(id, workflow);
      }

      @Override
      public void resume(String runId, String workflow) {
        stack.scheduler.resume(runId, workflow);
      }
    };
    var services = new dev.backendworkflows.engine.Services(stack.services.things(), stack.services.runs(), stack.services.schedules(),
        stack.services.scheduler(), failing, stack.services.mailer(), "app@example.com", stack.services.http(), stack.services.secrets(),
        stack.clock, "test", Duration.ofDays(7), stack.services.idempotency(), stack.services.leases());
    Deliveries deliveries = new Deliveries(services, new WorkflowEngine(stack.engine.workflows(), services, ActionRegistry.builtIn()));
    assertThat(deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 2, 0, 1));
    stack.fireDue();
    assertThat(notes()).isEqualTo(2);
    assertThat(stack.deliveries.sweep().redelivered()).isEqualTo(1); // the next sweep tries it again
    stack.fireDue();
    assertThat(notes()).isEqualTo(3);
  }

  @Test
  void deliver_whenTheEventIdIsEmpty_answersBadEventWithoutReadingAnyTable() {
    stack.faults.arm();
    Deliveries.Result r = stack.deliveries.deliver("  ");
    assertThat(r.status()).isEqualTo("bad_event");
    assertThat(r.reason()).contains("scheduled_run_id is empty");
    assertThat(stack.deliveries.deliver(null).status()).isEqualTo("bad_event");
    assertThat(stack.deliveries.deliver("a\u0000b").status()).isEqualTo("bad_event");
    assertThat(stack.faults.calls()).isEmpty();
    assertThat(stack.runs.query(new dev.backendworkflows.runlog.RunQuery(null, RunStatus.FAILED, 10, null)).runs()).isEmpty();
  }
}
