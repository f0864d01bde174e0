package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** delete_things and update_things: a search's things changed in one step, paged, each change once also across a crash. */
class BulkDataActionsTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "purge.yaml", """
          name: purge
          trigger: { api: {} }
          parameters:
            max: { type: number, default: 10000 }
          steps:
            - id: gone
              action: delete_things
              type: note
              constraints: [{ field: text, op: "=", value: drop }]
              max: "{% $params.max %}"
            - { action: return, data: "{% $steps.gone %}" }
          """,
      "mark.yaml", """
          name: mark
          trigger: { api: {} }
          steps:
            - id: marked
              action: update_things
              type: user
              constraints: [{ field: subscribed, op: "=", value: true }]
              fields: { name: subscriber }
            - { action: return, data: "{% $steps.marked %}" }
          """));

  private void dropNotes(int count) {
    Instant at = stack.clock.instant();
    for (int i = 0; i < count; i++) {
      Instant t = at.plusMillis(i);
      stack.things.create(new Thing("note", dev.backendworkflows.internal.Ids.newId(t), Map.of("text", "drop"), t, t));
    }
  }

  private List<Thing> all(String type) {
    List<Thing> out = new ArrayList<>();
    String cursor = null;
    do {
      var page = stack.things.search(new ThingQuery(type, List.of(), null, false, 1000, cursor));
      out.addAll(page.things());
      cursor = page.cursor();
    } while (cursor != null);
    return out;
  }

  @Test
  void deleteThingsOverTenThousandDeletesEachOnceAcrossACrash() {
    dropNotes(10_000);
    Instant at = stack.clock.instant().plusSeconds(60);
    for (int i = 0; i < 50; i++) {
      stack.things.create(new Thing("note", "keep-" + i, Map.of("text", "keep"), at.plusMillis(i), at.plusMillis(i)));
    }
    AtomicInteger deletes = new AtomicInteger();
    // the attempt dies just before its 4,000th delete, as a Lambda timeout would end it
    stack.faults.crashBefore(call -> call.equals("ThingStore.delete") && deletes.incrementAndGet() == 4_000);
    String runId = null;
    try {
      stack.engine.run(new RunRequest("purge", Map.of(), "api", "test"));
    } catch (Faults.Crash crashed) {
      runId = stack.runs.query(new dev.backendworkflows.runlog.RunQuery("purge", null, 10, null)).runs().getFirst().runId();
    }
    assertThat(runId).as("the first attempt died").isNotNull();
    for (int round = 0; round < 3; round++) { // what production does: the sweep, once the lease has passed
      stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
      stack.deliveries.sweep();
      stack.fireDue();
    }
    stack.faults.disarm();
    RunRecord run = stack.runs.get(runId).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(all("note")).hasSize(50).allMatch(n -> n.fields().get("text").equals("keep"));
    long deleteCalls = stack.faults.calls().stream().filter(c -> c.equals("ThingStore.delete")).count();
    // 3,999 before the crash, the one it stopped (numbered, never made), 6,001 by the next attempt: none made twice
    assertThat(deleteCalls).as("every thing deleted once").isEqualTo(10_001);
    assertThat(run.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("deleted", 6_001).containsEntry("more", false);
  }

  @Test
  void deleteThingsStopsAtItsMaxAndSaysMoreAreLeft() {
    dropNotes(250);
    RunRecord r = stack.engine.run(new RunRequest("purge", Map.of("max", 100), "api", "test")).record();
    assertThat(r.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("deleted", 100).containsEntry("more", true);
    assertThat(all("note")).hasSize(150);
    RunRecord rest = stack.engine.run(new RunRequest("purge", Map.of("max", 1000), "api", "test")).record();
    assertThat(rest.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("deleted", 150).containsEntry("more", false);
    RunRecord bad = stack.engine.run(new RunRequest("purge", Map.of("max", 20_000), "api", "test")).record();
    assertThat(bad.error().code()).isEqualTo("invalid_argument");
  }

  @Test
  void updateThingsWritesEachChangeOnceAcrossACrash() {
    Instant at = stack.clock.instant();
    for (int i = 0; i < 500; i++) {
      Instant t = at.plusMillis(i);
      stack.things.create(new Thing("user", "u" + (1000 + i), Map.of("subscribed", true, "name", "x"), t, t));
    }
    AtomicInteger updates = new AtomicInteger();
    stack.faults.crashBefore(call -> call.equals("ThingStore.update") && updates.incrementAndGet() == 200);
    try {
      stack.engine.run(new RunRequest("mark", Map.of(), "api", "test"));
    } catch (Faults.Crash crashed) {
      // the attempt died mid-step; the sweep hands the run to the next
    }
    String runId = stack.runs.query(new dev.backendworkflows.runlog.RunQuery("mark", null, 10, null)).runs().getFirst().runId();
    for (int round = 0; round < 3; round++) {
      stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
      stack.deliveries.sweep();
      stack.fireDue();
    }
    stack.faults.disarm();
    RunRecord run = stack.runs.get(runId).orElseThrow();
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(all("user")).hasSize(500).allMatch(u -> "subscriber".equals(u.fields().get("name")));
    // 199 before the crash, the one it stopped (numbered, never made), 301 by the next attempt: none written twice
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("ThingStore.update")).count()).isEqualTo(501);
    assertThat(run.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("updated", 301);
  }

  @Test
  void updateThingsChangesEveryMatchOnceAndLeavesTheRestAlone() {
    Instant at = stack.clock.instant();
    for (int i = 0; i < 230; i++) {
      Instant t = at.plusMillis(i);
      stack.things.create(new Thing("user", "u" + (1000 + i), Map.of("subscribed", i % 2 == 0, "name", i % 4 == 0 ? "subscriber" : "x"),
          t, t));
    }
    RunRecord r = stack.engine.run(new RunRequest("mark", Map.of(), "api", "test")).record();
    // 115 subscribed, of which 58 were already named so: left alone, not counted
    assertThat(r.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("updated", 57).containsEntry("more", false);
    assertThat(stack.things.search(new ThingQuery("user", List.of(new Constraint("name", Constraint.Op.EQ, "subscriber")), null, false,
        1000, null)).things()).hasSize(115).allMatch(u -> Boolean.TRUE.equals(u.fields().get("subscribed")));
    RunRecord again = stack.engine.run(new RunRequest("mark", Map.of(), "api", "test")).record();
    assertThat(again.response()).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("updated", 0);
  }
}
