package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class WorkflowEngineTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "signup.yaml", """
          name: signup
          trigger: { api: {} }
          parameters:
            email: { type: text, required: true }
            age: { type: number, default: 30 }
            password: { type: text, secret: true }
          steps:
            - id: found
              action: search_things
              type: user
              constraints: [ { field: email, op: "=", value: "{% $params.email %}" } ]
            - id: created
              when: "{% $steps.found.count = 0 %}"
              action: create_thing
              type: user
              fields: { email: "{% $params.email %}", age: "{% $params.age %}", subscribed: true }
            - action: return
              data: { id: "{% $steps.created._id %}", existed: "{% $steps.found.count > 0 %}" }
            - action: terminate
              when: "{% $steps.found.count > 0 %}"
              reason: "already signed up: {% $params.email %}"
            - id: renamed
              action: update_thing
              type: user
              thing_id: "{% $steps.created._id %}"
              fields: { name: "{% $uppercase($substringBefore($params.email, '@')) %}" }
            - action: log
              message: "signed up {% $steps.renamed.name %}"
          """,
      "broken.yaml", """
          name: broken
          trigger: { api: {} }
          parameters:
            id: { type: text, required: true }
          steps:
            - { id: before, action: log, message: starting }
            - { id: bad, action: update_thing, type: user, thing_id: "{% $params.id %}", fields: { name: x } }
            - { id: never, action: log, message: unreachable }
          """,
      "typed.yaml", """
          name: typed
          trigger: { api: {} }
          parameters:
            age: { type: text, required: true }
          steps:
            - { action: create_thing, type: user, fields: { age: "{% $params.age %}" } }
          """,
      "lookup.yaml", """
          name: lookup
          trigger: { api: {} }
          parameters:
            id: { type: text, required: true }
          steps:
            - { id: user, action: get_thing, type: user, thing_id: "{% $params.id %}" }
            - { id: page, action: search_things, type: user, limit: 1 }
            - { id: adults, action: count_things, type: user, constraints: [ { field: age, op: ">=", value: 18 } ] }
            - action: return
              data:
                found: "{% $exists($steps.user) %}"
                email: "{% $steps.user.email %}"
                more: "{% $exists($steps.page.cursor) %}"
                adults: "{% $steps.adults.count %}"
                read: "{% $steps.adults.read %}"
          """,
      "later.yaml", """
          name: later
          trigger: { api: {} }
          steps:
            - { action: api_call, url: "https://example.com" }
          """));

  private RunOutcome run(String workflow, Map<String, Object> input) {
    return stack.engine.run(new RunRequest(workflow, input, "api", "test"));
  }

  @Test
  void stepsRunInOrderAndLaterStepsSeeEarlierResults() {
    RunOutcome out = run("signup", Map.of("email", "ada@example.com"));
    RunRecord r = out.record();
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(r.steps()).extracting(StepRecord::status)
        .containsExactly("succeeded", "succeeded", "succeeded", "skipped", "succeeded", "succeeded");
    assertThat(r.steps()).extracting(StepRecord::condition).containsExactly(null, true, null, false, null, null);
    String id = (String) ((Map<?, ?>) out.response()).get("id");
    assertThat(stack.things.get("user", id).orElseThrow().fields())
        .containsEntry("name", "ADA").containsEntry("age", 30).containsEntry("subscribed", true);
    assertThat(r.steps().get(5).output()).isEqualTo(Map.of("level", "info", "message", "signed up ADA"));
  }

  @Test
  void aMissingThingAndAFinishedSearchsCursorAreNothing() {
    assertThat(run("lookup", Map.of("id", "nobody")).response()).as("no user: nothing, and one page of none")
        .isEqualTo(Map.of("found", false, "more", false, "adults", 0, "read", 0));
    String first = (String) ((Map<?, ?>) run("signup", Map.of("email", "ada@example.com")).response()).get("id");
    assertThat(run("lookup", Map.of("id", first)).response()).isEqualTo(Map.of("found", true, "email", "ada@example.com", "more", false,
        "adults", 1, "read", 1));
    run("signup", Map.of("email", "bo@example.com"));
    assertThat(run("lookup", Map.of("id", first)).response()).as("a second page exists")
        .isEqualTo(Map.of("found", true, "email", "ada@example.com", "more", true, "adults", 2, "read", 2));
  }

  @Test
  void terminateSkipsTheRestButAnEarlierReturnStillAnswers() {
    run("signup", Map.of("email", "ada@example.com"));
    RunOutcome second = run("signup", Map.of("email", "ada@example.com"));
    assertThat(second.record().status()).isEqualTo(RunStatus.TERMINATED);
    assertThat(second.record().reason()).isEqualTo("already signed up: ada@example.com");
    assertThat(second.record().steps()).extracting(StepRecord::action)
        .containsExactly("search_things", "create_thing", "return", "terminate");
    assertThat(second.response()).isEqualTo(Map.of("existed", true));
    assertThat(stack.things.search(new dev.backendworkflows.data.ThingQuery("user", List.of(), null, false, 10, null)).things()).hasSize(1);
  }

  @Test
  void failingStepFailsTheRunAndStopsIt() {
    RunRecord r = run("broken", Map.of("id", "ghost")).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("thing_not_found");
    assertThat(r.error().message()).isEqualTo("step bad (update_thing) failed: No thing of type 'user' with id 'ghost'");
    assertThat(r.steps()).extracting(StepRecord::id).containsExactly("before", "bad");
    assertThat(r.steps().get(1).error().code()).isEqualTo("thing_not_found");
    assertThat(stack.runs.get(r.runId())).contains(r);
  }

  @Test
  void writesAreCheckedAgainstTheDataSchema() {
    RunRecord r = run("typed", Map.of("age", "old")).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("invalid_fields");
    assertThat(r.error().message()).contains("cannot write user: age expected a number, got text 'old'");
  }

  @Test
  void anActionTheRuntimeLacksFailsVisiblyInsteadOfPretending() {
    WorkflowEngine bare = new WorkflowEngine(stack.engine.workflows(), stack.services, dev.backendworkflows.engine.actions.ActionRegistry.of());
    RunRecord r = bare.run(new RunRequest("later", Map.of(), "api", "test")).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("action_unavailable");
  }

  @Test
  void rejectedInputLeavesARejectedRunRecord() {
    assertThatThrownBy(() -> run("signup", Map.of("age", "x")))
        .isInstanceOfSatisfying(WorkflowEngine.RejectedRunException.class, e -> {
          RunRecord r = stack.runs.get(e.runId()).orElseThrow();
          assertThat(r.status()).isEqualTo(RunStatus.REJECTED);
          assertThat(r.error().fields()).extracting(f -> f.field()).containsExactlyInAnyOrder("email", "age");
          assertThat(r.steps()).isEmpty();
        });
  }

  @Test
  void runRecordCarriesTimingsRedactedParamsAndStage() {
    RunRecord r = run("signup", Map.of("email", "ada@example.com", "password", "hunter2")).record();
    assertThat(r.params()).containsEntry("password", "***").containsEntry("email", "ada@example.com");
    assertThat(r.stage()).isEqualTo("test");
    assertThat(r.definitionVersion()).hasSize(12);
    assertThat(r.startedAt()).isEqualTo(stack.clock.instant());
    assertThat(r.endedAt()).isNotNull();
    assertThat(r.expiresAt()).isEqualTo(stack.clock.instant().plus(java.time.Duration.ofDays(7)).getEpochSecond());
    assertThat(dev.backendworkflows.internal.Json.write(r)).doesNotContain("hunter2");
  }

  @Test
  void unknownWorkflowIsNotRecorded() {
    assertThatThrownBy(() -> run("nope", Map.of())).isInstanceOf(NoSuchElementException.class);
  }
}
