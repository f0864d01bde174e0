package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CustomEventTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "checkout.yaml", """
          name: checkout
          trigger: { api: {} }
          parameters:
            cents: { type: number, required: true }
          steps:
            - id: total
              action: trigger_event
              event: add-tax
              params: { cents: "{% $params.cents %}" }
            - { action: return, data: "{% $steps.total %}" }
          """,
      "add-tax.yaml", """
          name: add-tax
          trigger: { custom_event: {} }
          parameters:
            cents: { type: number, required: true }
          steps:
            - action: return
              data: { gross: "{% $round($params.cents * 1.2) %}" }
            - action: terminate
              when: "{% $params.cents = 0 %}"
              reason: nothing to tax
            - { action: update_thing, type: note, thing_id: "{% $params.cents < 0 ? 'missing' : '' %}", fields: { text: x }, when: "{% $params.cents < 0 %}" }
          """,
      "deep.yaml", """
          name: deep
          trigger: { custom_event: {} }
          parameters:
            n: { type: number, required: true }
          steps:
            - { action: trigger_event, event: deeper, params: { n: "{% $params.n + 1 %}" } }
          """,
      "deeper.yaml", """
          name: deeper
          trigger: { custom_event: {} }
          parameters:
            n: { type: number, required: true }
          steps:
            - { action: return, data: "{% $params.n %}" }
          """));

  private RunRecord run(int cents) {
    return stack.engine.run(new RunRequest("checkout", Map.of("cents", cents), "api", "test")).record();
  }

  @Test
  void theEventsReturnIsTheStepsResultAndTheEventIsARunOfItsOwn() {
    RunRecord r = run(1000);
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(r.response()).isEqualTo(Map.of("gross", 1200));
    RunRecord event = stack.runs.query(new RunQuery("add-tax", null, 10, null)).runs().getFirst();
    assertThat(event.trigger()).isEqualTo("custom_event");
    assertThat(event.caller()).isEqualTo("run:" + r.runId());
  }

  @Test
  void terminateInsideEndsOnlyTheEventAndItsReturnStillCounts() {
    RunRecord r = run(0);
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(r.response()).isEqualTo(Map.of("gross", 0));
  }

  @Test
  void aFailingEventFailsTheStepWithItsCode() {
    RunRecord r = run(-5);
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("thing_not_found");
    assertThat(r.error().message()).contains("custom event 'add-tax'").contains("failed");
  }

  @Test
  void customEventsAreNotCallableOverHttp() {
    assertThat(stack.api.handle(Fixtures.post("/wf/add-tax", stack.userKey, "{\"cents\":1}")).status()).isEqualTo(404);
  }

  @Test
  void cyclesAndWrongTargetsAreDefinitionErrors() {
    assertThatThrownBy(() -> Fixtures.workflows(
        "a.yaml", "name: a\ntrigger: { custom_event: {} }\nsteps: [ { action: trigger_event, event: b } ]\n",
        "b.yaml", "name: b\ntrigger: { custom_event: {} }\nsteps: [ { action: trigger_event, event: a } ]\n",
        "c.yaml", "name: c\ntrigger: { api: {} }\nsteps: [ { action: trigger_event, event: d } ]\n",
        "d.yaml", "name: d\ntrigger: { api: {} }\nsteps: [ { action: return } ]\n"))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("a.yaml: steps: custom events call each other in a cycle: a → b → a")
        .hasMessageContaining("c.yaml: steps[0].event: 'd' is not a custom event");
  }

  @Test
  void nestingIsBounded() {
    java.util.List<String> files = new java.util.ArrayList<>(java.util.List.of("start.yaml",
        "name: start\ntrigger: { api: {} }\nsteps: [ { action: trigger_event, event: e1 } ]\n"));
    for (int i = 1; i <= 9; i++) {
      files.add("e" + i + ".yaml");
      files.add("name: e" + i + "\ntrigger: { custom_event: {} }\nsteps: [ " + (i < 9 ? "{ action: trigger_event, event: e" + (i + 1) + " }"
          : "{ action: return }") + " ]\n");
    }
    Fixtures.Stack deep = new Fixtures.Stack(Fixtures.workflows(files.toArray(String[]::new)));
    RunRecord r = deep.engine.run(new RunRequest("start", Map.of(), "api", "test")).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo("event_depth_exceeded");
  }
}
