package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Run and journal records stay under DynamoDB's 400 KB item limit whatever the input; each store's
 * test extends this (the local run log refuses what DynamoDB would).
 */
public abstract class LargePayloadContract {
  private static final String MB = "x".repeat(1024 * 1024);
  private static final String KB_200 = "y".repeat(200 * 1024);
  /** The stores under test, made for the stack's clock. */
  protected abstract java.util.function.Function<dev.backendworkflows.testutils.MutableClock, Fixtures.Stores> stores();

  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "big.yaml", """
          name: big
          trigger: { api: {} }
          parameters:
            text: { type: text, required: true }
          steps:
            - { id: first, action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
            - { id: mail, action: send_email, to: ops@example.com, subject: Big, text: a big note came in }
            - { id: second, action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
            - { id: all, action: search_things, type: note }
            - { action: return, data: { notes: "{% $steps.all.count %}", first: "{% $steps.first._id %}" } }
          """,
      "fan.yaml", """
          name: fan
          trigger: { api: {} }
          parameters:
            text: { type: text, required: true }
            how: { type: text, required: true }
          steps:
            - id: later
              when: "{% $params.how = 'schedule' %}"
              action: schedule_workflow
              workflow: write-note
              after: PT1H
              params: { text: "{% $params.text & $params.text & $params.text & $params.text & $params.text %}" }
            - id: event
              when: "{% $params.how = 'event' %}"
              action: trigger_event
              event: echo
              params: { text: "{% $params.text & $params.text & $params.text & $params.text & $params.text %}" }
          """,
      "echo.yaml", """
          name: echo
          trigger: { custom_event: {} }
          parameters:
            text: { type: text, required: true }
          steps:
            - { action: return, data: "{% $length($params.text) %}" }
          """,
      "write-note.yaml", Fixtures.WRITE_NOTE), dev.backendworkflows.testutils.MutableClock.at("2026-03-01T09:00:00Z"), stores());

  private int storedBytes(String runId) {
    Execution e = stack.runs.load(runId).orElseThrow();
    return ItemBudget.bytes(e.record()) + ItemBudget.bytes(e.journal());
  }

  @Test
  void aOneMegabyteBodyIsRefusedBeforeAnyRun() {
    var r = stack.api.handle(Fixtures.post("/wf/big", stack.userKey, Json.write(Map.of("text", MB))));
    assertThat(r.status()).isEqualTo(413);
    assertThat(Json.tree(r.body()).path("error").path("code").asText()).isEqualTo("body_too_large");
    assertThat(stack.runs.query(new RunQuery("big", null, 10, null)).runs()).isEmpty();
  }

  @Test
  void oneMegabyteOfParametersIsARejectedRunWithASmallRecord() {
    assertThatThrownBy(() -> stack.engine.run(new RunRequest("big", Map.of("text", MB), "api", "t")))
        .isInstanceOfSatisfying(WorkflowEngine.RejectedRunException.class, e -> {
          assertThat(e.input().fields()).singleElement().satisfies(f -> assertThat(f.code()).isEqualTo("too_large"));
          RunRecord rejected = stack.runs.get(e.runId()).orElseThrow();
          assertThat(rejected.status()).isEqualTo(RunStatus.REJECTED);
          assertThat(ItemBudget.bytes(rejected)).isLessThan(4_000);
        });
  }

  @Test
  void schedulingOrTriggeringWithOverAMegabyteFailsTheStepAndWritesNothing() {
    String text = "z".repeat(220 * 1024);
    RunOutcome scheduled = stack.engine.run(new RunRequest("fan", Map.of("text", text, "how", "schedule"), "api", "t"));
    assertThat(scheduled.record().status()).isEqualTo(RunStatus.FAILED);
    assertThat(scheduled.record().error().code()).isEqualTo("params_too_large");
    assertThat(stack.schedules.list(ScheduleStatus.PENDING, "write-note", 10, null).runs()).isEmpty();
    RunOutcome event = stack.engine.run(new RunRequest("fan", Map.of("text", text, "how", "event"), "api", "t"));
    assertThat(event.record().status()).isEqualTo(RunStatus.FAILED);
    assertThat(event.record().error().message()).contains("KiB");
    for (String id : List.of(scheduled.record().runId(), event.record().runId())) {
      assertThat(storedBytes(id)).isLessThan(ItemBudget.BUDGET);
    }
  }

  @Test
  void aRunWithLargeParametersAndResultsKeepsItsRecordUnderTheLimitAndCanStillBeContinued() {
    stack.faults.crashBefore(call -> call.equals("RunLog.write")
        && stack.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things().size() == 2);
    assertThatThrownBy(() -> stack.engine.run(new RunRequest("big", Map.of("text", KB_200), "api", "t").as("big-1", Invocation.untimed())))
        .isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    Execution partial = stack.runs.load("big-1").orElseThrow();
    assertThat(partial.journal().params()).isEqualTo(Map.of("text", KB_200));
    assertThat(partial.journal().dropped()).isNotEmpty();
    assertThat(storedBytes("big-1")).isLessThanOrEqualTo(ItemBudget.BUDGET);

    RunOutcome done = stack.engine.resume("big-1", new Invocation("later", null));
    assertThat(done.kind()).isEqualTo(RunOutcome.Kind.IN_PROGRESS); // the dead attempt's lease has not passed yet
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    stack.faults.arm();
    done = stack.engine.resume("big-1", new Invocation("later", null));
    // the first note's step had ended (the email's mark recorded it, its result too large to keep): it is read back;
    // the second's step was never recorded: it runs again, and its create finds the note its receipt names
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("ThingStore.write"))).hasSize(1);
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("ThingStore.get"))).hasSize(2);
    assertThat(done.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(((Map<?, ?>) done.response()).get("notes")).isEqualTo(2);
    assertThat(stack.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things()).hasSize(2);
    assertThat(storedBytes("big-1")).isLessThanOrEqualTo(ItemBudget.BUDGET);
    JsonNode shown = Json.tree(stack.api.handle(Fixtures.get("/runs/big-1", stack.adminKey, Map.of())).body());
    assertThat(shown.path("params").path("text").asText()).contains("truncated");
    assertThat(shown.path("steps").get(0).path("output").asText()).contains("truncated");
  }
}
