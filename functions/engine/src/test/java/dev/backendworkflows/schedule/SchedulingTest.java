package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Scheduled runs under a controllable clock: "remind me in 3 days" runs in milliseconds. */
class SchedulingTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "remind.yaml", Fixtures.REMIND,
      "write-note.yaml", Fixtures.WRITE_NOTE,
      "cancel.yaml", """
          name: cancel
          trigger: { api: {} }
          parameters:
            id: { type: text, required: true }
          steps:
            - { id: c, action: cancel_scheduled, scheduled_id: "{% $params.id %}" }
            - { action: return, data: "{% $steps.c %}" }
          """,
      "explode.yaml", """
          name: explode
          trigger: { schedule: {} }
          steps:
            - { action: update_thing, type: note, thing_id: missing, fields: { text: x } }
          """));

  private RunOutcome run(String wf, Map<String, Object> input) {
    return stack.engine.run(new RunRequest(wf, input, "api", "test"));
  }

  private List<Thing> notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things();
  }

  @SuppressWarnings("unchecked")
  private String scheduledId(RunOutcome out) {
    return (String) ((Map<String, Object>) out.response()).get("id");
  }

  @Test
  void firesOnceAtTheRightTimeWithTheRightParams() {
    String id = scheduledId(run("remind", Map.of("text", "call mum")));
    ScheduledRun pending = stack.schedules.get(id).orElseThrow();
    assertThat(pending.dueAt()).isEqualTo(stack.clock.instant().plus(Duration.ofDays(3)));
    assertThat(pending.params()).isEqualTo(Map.of("text", "call mum"));
    assertThat(pending.scheduledBy()).startsWith("run:");

    assertThat(stack.advance(Duration.ofDays(3).minusSeconds(1))).isZero();
    assertThat(notes()).isEmpty();
    assertThat(stack.advance(Duration.ofSeconds(1))).isEqualTo(1);
    assertThat(notes()).singleElement().satisfies(n -> assertThat(n.fields()).containsEntry("text", "call mum"));

    ScheduledRun done = stack.schedules.get(id).orElseThrow();
    assertThat(done.status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    RunRecord run = stack.runs.get(done.runId()).orElseThrow();
    assertThat(run.trigger()).isEqualTo("schedule");
    assertThat(run.caller()).isEqualTo("scheduled:" + id);
    assertThat(stack.advance(Duration.ofDays(30))).isZero();
    assertThat(notes()).hasSize(1);
  }

  @Test
  void cancelledRunNeverFires() {
    String id = scheduledId(run("remind", Map.of("text", "never")));
    assertThat(run("cancel", Map.of("id", id)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    stack.advance(Duration.ofDays(10));
    assertThat(notes()).isEmpty();
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.CANCELLED);
    // a delivery that arrives anyway (at least once) does nothing
    assertThat(stack.deliveries.deliver(id).ran()).isFalse();
    assertThat(notes()).isEmpty();
  }

  @Test
  void duplicateDeliveryRunsOnce() {
    String id = scheduledId(run("remind", Map.of("text", "once", "after", "PT0S")));
    Deliveries.Result first = stack.deliveries.deliver(id);
    Deliveries.Result second = stack.deliveries.deliver(id);
    assertThat(first.ran()).isTrue();
    assertThat(second.ran()).isFalse();
    assertThat(second.reason()).contains("ignored").contains("succeeded");
    stack.fireDue();
    assertThat(notes()).hasSize(1);
  }

  @Test
  void pastOrZeroDelayRunsAsSoonAsPossible() {
    String id = new Scheduling(stack.services, stack.engine.workflows())
        .schedule("write-note", Map.of("text", "late"), Instant.parse("2020-01-01T00:00:00Z"), "api", null).id();
    assertThat(stack.fireDue()).isEqualTo(1);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
  }

  @Test
  void badParamsAreRejectedWhenSchedulingNotWhenFiring() {
    Scheduling scheduling = new Scheduling(stack.services, stack.engine.workflows());
    assertThatThrownBy(() -> scheduling.schedule("write-note", Map.of("text", 5), stack.clock.instant(), "api", null))
        .isInstanceOfSatisfying(ActionException.class, e -> {
          assertThat(e.code()).isEqualTo("invalid_parameters");
          assertThat(e.getMessage()).contains("text expected text, got a number");
        });
    assertThatThrownBy(() -> scheduling.schedule("nope", Map.of(), stack.clock.instant(), "api", null))
        .isInstanceOfSatisfying(ActionException.class, e -> assertThat(e.code()).isEqualTo("unknown_workflow"));
    assertThat(stack.schedules.due(Instant.MAX, 10)).isEmpty();
  }

  @Test
  void afterThatIsNotADurationFailsTheStep() {
    RunRecord r = run("remind", Map.of("text", "x", "after", "tomorrow")).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("invalid_argument");
    assertThat(r.error().message()).contains("ISO-8601 duration");
  }

  @Test
  void cancellingAnUnknownRunFailsClearly() {
    RunRecord r = run("cancel", Map.of("id", "nope")).record();
    assertThat(r.error().code()).isEqualTo("schedule_not_found");
    assertThat(r.error().message()).contains("no scheduled run with id 'nope'");
  }

  @Test
  void cancellingARunThatAlreadyRanFailedOrWasCancelledSucceedsAndChangesNothing() {
    String ran = scheduledId(run("remind", Map.of("text", "x", "after", "PT0S")));
    stack.fireDue();
    String pending = scheduledId(run("remind", Map.of("text", "y", "after", "PT1H")));
    RunRecord first = run("cancel", Map.of("id", pending)).record();
    RunRecord again = run("cancel", Map.of("id", pending)).record();
    RunRecord late = run("cancel", Map.of("id", ran)).record();

    assertThat(first.error()).isNull();
    assertThat(first.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("cancelled", true).containsEntry("status", "cancelled");
    assertThat(again.error()).isNull();
    assertThat(again.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("cancelled", false).containsEntry("status", "cancelled");
    assertThat(late.error()).as("a reminder that went out before its renewal cancels it").isNull();
    assertThat(late.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("cancelled", false).containsEntry("status", "succeeded");
    assertThat(stack.schedules.get(ran).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
  }

  @Test
  void failedRunIsRecordedAndCanBeRetried() {
    Scheduling scheduling = new Scheduling(stack.services, stack.engine.workflows());
    String id = scheduling.schedule("explode", Map.of(), stack.clock.instant(), "api", null).id();
    stack.fireDue();
    ScheduledRun failed = stack.schedules.get(id).orElseThrow();
    assertThat(failed.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(failed.error().code()).isEqualTo("thing_not_found");
    assertThat(scheduling.retry(id).status()).isEqualTo(ScheduleStatus.PENDING);
    assertThat(stack.fireDue()).isEqualTo(1);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.FAILED);
    assertThatThrownBy(() -> scheduling.retry(scheduling.schedule("write-note", Map.of("text", "t"),
        stack.clock.instant().plusSeconds(60), "api", null).id()))
        .isInstanceOfSatisfying(ActionException.class, e -> assertThat(e.code()).isEqualTo("schedule_not_failed"));
  }

  @Test
  void retry_whenReopeningItsRunFails_deliveryStillRunsItAgain() {
    Scheduling scheduling = new Scheduling(stack.services, stack.engine.workflows());
    String id = scheduling.schedule("explode", Map.of(), stack.clock.instant(), "api", null).id();
    stack.fireDue();
    stack.clock.advance(java.time.Duration.ofSeconds(5));
    stack.faults.failBefore(call -> call.startsWith("RunLog.load"), 1);
    assertThatThrownBy(() -> scheduling.retry(id)).isInstanceOf(dev.backendworkflows.testutils.Faults.Fault.class);
    stack.faults.disarm();
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.PENDING);

    stack.clock.advance(dev.backendworkflows.execution.LeasePolicy.LONGEST_RUN.plusMinutes(1));
    stack.deliveries.sweep(); // the retry died before arranging its delivery: the sweep does
    assertThat(stack.fireDue()).isEqualTo(1);
    assertThat(stack.runs.load(id).orElseThrow().record().attempt()).as("run again, not replayed as failed").isEqualTo(2);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.FAILED);
  }

  @Test
  void scheduledRunsContinueTheirChain() {
    String first = new Scheduling(stack.services, stack.engine.workflows())
        .schedule("remind", Map.of("text", "a", "after", "PT1M"), stack.clock.instant(), "api", null).id();
    stack.fireDue();
    String child = stack.schedules.list(ScheduleStatus.PENDING, "write-note", 10, null).runs().getFirst().chainId();
    assertThat(child).isEqualTo(first);
  }
}
