package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recursive workflows: chains, their iteration limit, and cancelling them mid-way. */
class ChainTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE,
      "forever.yaml", """
          name: forever
          trigger: { api: {} }
          max_iterations: 5
          parameters:
            n: { type: number, default: 1 }
          steps:
            - { action: create_thing, type: note, fields: { text: "{% $string($params.n) %}" } }
            - id: again
              action: schedule_workflow
              workflow: forever
              after: PT1M
              params: { n: "{% $params.n + 1 %}" }
          """,
      "branch.yaml", """
          name: branch
          trigger: { schedule: {} }
          max_iterations: 4
          steps:
            - { action: create_thing, type: note, fields: { text: branch } }
            - { id: left, action: schedule_workflow, workflow: branch, after: PT1M }
            - { id: right, action: schedule_workflow, workflow: branch, after: PT1M }
          """,
      "fan.yaml", """
          name: fan
          trigger: { schedule: {} }
          max_fanout: 1
          steps:
            - { action: create_thing, type: note, fields: { text: fan } }
            - { id: one, action: schedule_workflow, workflow: fan, after: P1D }
            - { id: two, action: schedule_workflow, workflow: fan, after: P1D }
          """));

  private String startChain() {
    var out = stack.engine.run(new RunRequest("forever", Map.of(), "api", "test"));
    @SuppressWarnings("unchecked")
    Map<String, Object> scheduled = (Map<String, Object>) out.record().steps().get(1).output();
    return (String) scheduled.get("chain_id");
  }

  private JsonNode chain(String id, String method) {
    return Json.tree(stack.api.handle(new dev.backendworkflows.http.ApiRequest(method, "/chains/" + id,
        Map.of("authorization", "Bearer " + stack.adminKey), Map.of(), null, "r")).body());
  }

  private long notes() {
    return stack.things.search(new dev.backendworkflows.data.ThingQuery("note", java.util.List.of(), null, false, 1000, null)).things().size();
  }

  @Test
  void aRecursionWithoutExitStopsAtItsLimitSayingWhy() {
    String chain = startChain();
    for (int i = 0; i < 10; i++) {
      stack.advance(Duration.ofMinutes(1));
    }
    assertThat(notes()).isEqualTo(6); // the API run that started the chain, then its 5 scheduled runs
    JsonNode view = chain(chain, "GET");
    assertThat(view.path("iterations").asInt()).isEqualTo(5);
    assertThat(view.path("counts").path("succeeded").asInt()).isEqualTo(4);
    assertThat(view.path("counts").path("failed").asInt()).isEqualTo(1);
    String lastRun = view.path("runs").get(4).path("run_id").asText();
    var last = stack.runs.get(lastRun).orElseThrow();
    assertThat(last.status()).isEqualTo(RunStatus.FAILED);
    assertThat(last.error().code()).isEqualTo("chain_limit_reached");
    assertThat(last.error().message()).contains("max_iterations (5)");
  }

  @Test
  void aRecursionThatBranchesStopsAtMaxIterationsRunsInAll() {
    ScheduledRun root = new Scheduling(stack.services, stack.engine.workflows()).schedule("branch", Map.of(),
        stack.clock.instant(), "test", null);
    for (int i = 0; i < 10; i++) {
      stack.advance(Duration.ofMinutes(1));
    }
    // depth alone would allow 1 + 2 + 4 + 8 = 15 runs; every run counts, so 4 ran and the chain stopped
    assertThat(notes()).isEqualTo(4);
    JsonNode view = chain(root.chainId(), "GET");
    assertThat(view.path("runs").size()).isEqualTo(4);
    assertThat(view.path("counts").path("pending").asInt()).isZero();
    assertThat(stack.services.schedules().counter("chain-runs:" + root.chainId())).isEqualTo(4);
  }

  @Test
  void aRunMaySchedulePastItsFanoutNoMoreRunsOfItsChain() {
    ScheduledRun root = new Scheduling(stack.services, stack.engine.workflows()).schedule("fan", Map.of(),
        stack.clock.instant(), "test", null);
    stack.fireDue();
    var run = stack.runs.get(root.id()).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(run.error().code()).isEqualTo("chain_fanout_reached");
    assertThat(run.error().message()).contains("max_fanout (1)");
    assertThat(chain(root.chainId(), "GET").path("runs").size()).isEqualTo(2); // the root and its one child
  }

  @Test
  void aBatchJobsChainIsSteeredThroughTheJobNotTheChainRoutes() {
    new Batches(stack.services, stack.engine.workflows()).start("job", "write-note", java.util.List.of("a", "b"), "text", Map.of(), 1,
        null, null, "t");
    for (String method : java.util.List.of("GET", "DELETE")) {
      JsonNode refused = chain("job", method);
      assertThat(refused.path("error").path("code").asText()).as(method).isEqualTo("part_of_batch");
      assertThat(refused.path("error").path("message").asText()).contains("/batches/job");
    }
    assertThat(stack.schedules.getBatch("job").orElseThrow().status()).isEqualTo(BatchJob.Status.RUNNING);
    assertThat(stack.schedules.chainCancelled("job")).isFalse();
  }

  @Test
  void cancellingAChainMidWayStopsItAndReportsNothingHalfDoneAsDone() {
    String chain = startChain();
    stack.advance(Duration.ofMinutes(1));
    stack.advance(Duration.ofMinutes(1));
    JsonNode cancelled = chain(chain, "DELETE");
    assertThat(cancelled.path("cancelled").asBoolean()).isTrue();
    assertThat(cancelled.path("counts").path("cancelled").asInt()).isEqualTo(1);
    assertThat(cancelled.path("counts").has("pending")).isFalse();
    for (int i = 0; i < 5; i++) {
      stack.advance(Duration.ofMinutes(1));
    }
    assertThat(notes()).isEqualTo(3);
    assertThat(chain(chain, "GET").path("counts").path("succeeded").asInt()).isEqualTo(2);
    assertThat(chain("nope", "GET").path("error").path("code").asText()).isEqualTo("chain_not_found");
  }

  @Test
  void aRunOfACancelledChainCannotExtendIt() {
    String chain = startChain();
    new Scheduling(stack.services, stack.engine.workflows()).cancelChain(chain);
    var error = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.ActionException.class,
        () -> new Scheduling(stack.services, stack.engine.workflows()).schedule("forever-2", "forever", Map.of(), stack.clock.instant(), "api", chain, 2));
    assertThat(error.code()).isEqualTo("chain_cancelled");
  }
}
