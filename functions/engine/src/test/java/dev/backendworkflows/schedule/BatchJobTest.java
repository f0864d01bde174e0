package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Schedule on a list: durable, throttled batch jobs under a controllable clock. */
class BatchJobTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "record-one.yaml", """
          name: record-one
          trigger: { schedule: {} }
          parameters:
            n: { type: number, required: true }
            tag: { type: text, default: x }
          steps:
            - { action: update_thing, type: note, thing_id: missing, fields: { text: x }, when: "{% $params.n % 7 = 3 %}" }
            - { action: create_thing, type: note, fields: { text: "{% $params.tag & '-' & $string($params.n) %}" } }
          """));

  private BatchJob start(int items, int batchSize, Double rate) {
    List<Object> list = new ArrayList<>(IntStream.range(0, items).boxed().toList());
    return new Batches(stack.services, stack.engine.workflows()).start(newId(), "record-one", list, "n", Map.of("tag", "t"), batchSize, rate, null, "test");
  }

  private static String newId() {
    return dev.backendworkflows.internal.Ids.newId(Instant.now());
  }

  private List<Thing> notes() {
    List<Thing> all = new ArrayList<>();
    String cursor = null;
    do {
      var page = stack.things.search(new ThingQuery("note", List.of(), null, false, 1000, cursor));
      all.addAll(page.things());
      cursor = page.cursor();
    } while (cursor != null);
    return all;
  }

  private BatchJob job(String id) {
    return stack.schedules.getBatch(id).orElseThrow();
  }

  @Test
  void tenThousandItemsRunExactlyOnceWithAHundredSchedulerCallsAtTheRate() {
    long before = stack.scheduler.arranged();
    BatchJob job = start(10_000, 100, 50.0); // 100 items per chunk at 50 items/s: a chunk every 2 s
    int chunks = 0;
    for (int tick = 0; tick <= 2_100; tick++) { // 100 ms at a time, so the rate is measured, not the test's steps
      chunks += stack.fireDue();
      stack.clock.advance(Duration.ofMillis(100));
    }
    assertThat(chunks).isEqualTo(100); // deliveries are chunks; the items run inside them
    BatchJob done = job(job.id());
    assertThat(done.status()).isEqualTo(BatchJob.Status.DONE);
    int failing = (int) IntStream.range(0, 10_000).filter(n -> n % 7 == 3).count();
    assertThat(done.done()).isEqualTo(10_000 - failing);
    assertThat(done.failed()).isEqualTo(failing);

    List<Thing> notes = notes();
    Set<Object> distinct = new HashSet<>();
    notes.forEach(n -> distinct.add(n.fields().get("text")));
    assertThat(notes).hasSize(10_000 - failing);
    assertThat(distinct).hasSize(notes.size()); // 0 duplicates
    assertThat(stack.scheduler.arranged() - before).isBetween(100L, 101L); // one delivery per chunk, not per item

    List<RunRecord> runs = new ArrayList<>();
    String cursor = null;
    do {
      var page = stack.runs.query(new RunQuery("record-one", null, 100, cursor));
      runs.addAll(page.runs());
      cursor = page.cursor();
    } while (cursor != null);
    assertThat(runs).hasSize(10_000);
    Instant first = runs.stream().map(RunRecord::startedAt).min(Instant::compareTo).orElseThrow();
    Instant last = runs.stream().map(RunRecord::startedAt).max(Instant::compareTo).orElseThrow();
    double rate = (10_000 - 100) / (double) Duration.between(first, last).toSeconds(); // items started after the first chunk
    assertThat(rate).isBetween(45.0, 55.0);
  }

  @Test
  void aChunkDeliveredTwiceOrRunAgainRunsNoItemTwice() {
    BatchJob job = start(250, 100, null);
    String chunk0 = BatchJob.chunkId(job.id(), 0);
    stack.scheduler.fireDue(stack.clock.instant(), d -> { }); // take chunk 0 off the local queue: we deliver it by hand
    assertThat(stack.deliveries.deliver(chunk0).ran()).isTrue();
    assertThat(stack.deliveries.deliver(chunk0).ran()).isFalse();
    // force the chunk to run again, as a retry after a crash would
    ScheduledRun ran = stack.schedules.get(chunk0).orElseThrow();
    stack.schedules.replace(ran.pendingAgain(stack.clock.instant()), ran.version());
    stack.deliveries.deliver(chunk0);
    stack.fireDue();
    long failing = IntStream.range(0, 250).filter(n -> n % 7 == 3).count();
    assertThat(notes()).hasSize(250 - (int) failing);
    assertThat(job(job.id()).status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(job(job.id()).done() + job(job.id()).failed()).isEqualTo(250);
  }

  @Test
  void cancellingMidWayStopsItAndCountsOnlyWhatRan() {
    BatchJob job = start(1000, 100, 100.0); // a chunk per second
    stack.fireOnce();
    stack.clock.advance(Duration.ofSeconds(1));
    stack.fireOnce();
    stack.clock.advance(Duration.ofSeconds(1));
    stack.fireOnce(); // three chunks ran
    new Batches(stack.services, stack.engine.workflows()).cancel(job.id());
    for (int i = 0; i < 20; i++) {
      stack.advance(Duration.ofSeconds(1));
    }
    BatchJob cancelled = job(job.id());
    assertThat(cancelled.status()).isEqualTo(BatchJob.Status.CANCELLED);
    assertThat(cancelled.done() + cancelled.failed()).isEqualTo(300);
    assertThat(notes().size()).isEqualTo(cancelled.done());
  }

  @Test
  void pauseHoldsItAndResumeCarriesOn() {
    Batches batches = new Batches(stack.services, stack.engine.workflows());
    BatchJob job = start(500, 100, 100.0);
    stack.fireOnce(); // chunk 0 ran and armed chunk 1
    batches.pause(job.id());
    assertThat(stack.scheduler.due(java.time.Instant.MAX)).as("a paused job holds no schedule").isEmpty();
    for (int i = 0; i < 10; i++) {
      stack.advance(Duration.ofSeconds(1));
    }
    assertThat(job(job.id()).done() + job(job.id()).failed()).isEqualTo(100);
    List<Integer> redelivered = new ArrayList<>();
    for (int i = 0; i < 6; i++) { // its overdue chunks are looked at once, then park for a day: no delivery per sweep
      stack.clock.advance(Duration.ofMinutes(10));
      redelivered.add(stack.deliveries.sweep().redelivered());
      stack.fireDue();
    }
    assertThat(redelivered.subList(1, redelivered.size())).containsOnly(0);
    assertThat(job(job.id()).done() + job(job.id()).failed()).isEqualTo(100);
    batches.resume(job.id());
    for (int i = 0; i < 10; i++) {
      stack.advance(Duration.ofSeconds(1));
    }
    assertThat(job(job.id()).status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(job(job.id()).done() + job(job.id()).failed()).isEqualTo(500);
  }

  @Test
  void failedItemsAreListedWithTheirErrorsAndCanBeRetried() {
    Batches batches = new Batches(stack.services, stack.engine.workflows());
    BatchJob job = start(20, 10, null);
    stack.fireDue();
    List<ScheduledRun> failures = batches.failures(job.id());
    assertThat(failures).hasSize(3).allSatisfy(f -> assertThat(f.error().code()).isEqualTo("thing_not_found"));
    assertThat(batches.retryFailed(job.id())).isEqualTo(3);
    stack.fireDue();
    assertThat(job(job.id()).failed()).isEqualTo(3); // they fail again, and are counted once
    assertThat(job(job.id()).done()).isEqualTo(17);
  }

  @Test
  void badItemsAreRejectedBeforeAnythingIsWritten() {
    var error = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.ActionException.class,
        () -> new Batches(stack.services, stack.engine.workflows()).start(newId(), "record-one", List.of(1, "two"), "n", Map.of(), 10, null, null, "t"));
    assertThat(error.getMessage()).contains("item 1 of the list");
    assertThat(stack.schedules.due(Instant.MAX, 10)).isEmpty();
  }

  @Test
  void aChunkWhoseItemsWouldNotFitItsRecordIsRefusedBeforeAnythingIsWritten() {
    List<Object> big = new ArrayList<>(java.util.Collections.nCopies(100, "x".repeat(5_000)));
    var error = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.ActionException.class,
        () -> new Batches(stack.services, stack.engine.workflows()).start("too-big", "record-one", big, "tag", Map.of("n", 1), 100, null,
            null, "t"));
    assertThat(error.code()).isEqualTo("params_too_large");
    assertThat(error.getMessage()).contains("chunk 0").contains("lower batch_size");
    assertThat(stack.schedules.getBatch("too-big")).isEmpty();
    // the same items in chunks of 20 fit
    assertThat(new Batches(stack.services, stack.engine.workflows()).start("fits", "record-one", big, "tag", Map.of("n", 1), 20, null,
        null, "t").chunks()).isEqualTo(5);
  }

  @Test
  void aChunkOrItemIsSteeredThroughItsJobNotAlone() {
    BatchJob job = start(20, 10, null);
    Scheduling scheduling = new Scheduling(stack.services, stack.engine.workflows());
    var error = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.ActionException.class,
        () -> scheduling.cancel(BatchJob.chunkId(job.id(), 1)));
    assertThat(error.code()).isEqualTo("part_of_batch");
    assertThat(error.getMessage()).contains("/batches/" + job.id());
    stack.fireDue();
    assertThat(job(job.id()).status()).isEqualTo(BatchJob.Status.DONE);
    var retry = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.ActionException.class,
        () -> scheduling.retry(BatchJob.itemId(job.id(), 3)));
    assertThat(retry.code()).isEqualTo("part_of_batch");
  }

  @Test
  void theActionStartsAJob() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows(
        "fan-out.yaml", """
            name: fan-out
            trigger: { api: {} }
            steps:
              - { id: job, action: schedule_on_list, workflow: one, list: "{% [1..25] %}", item_param: n, batch_size: 10 }
              - { action: return, data: "{% $steps.job %}" }
            """,
        "one.yaml", "name: one\ntrigger: { schedule: {} }\nparameters:\n  n: { type: number, required: true }\nsteps:\n"
            + "  - { action: create_thing, type: note, fields: { text: \"{% $string($params.n) %}\" } }\n"));
    var out = s.engine.run(new RunRequest("fan-out", Map.of(), "api", "t"));
    assertThat(out.response()).asString().contains("total=25").contains("chunks=3");
    s.fireDue();
    assertThat(s.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things()).hasSize(25);
  }

  @Test
  void aSearchSourcePagesThroughEveryMatchEvenWhileItemsDeleteThem() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows(
        "drop.yaml", "name: drop\ntrigger: { schedule: {} }\nparameters:\n  id: { type: text, required: true }\nsteps:\n"
            + "  - { action: delete_thing, type: note, thing_id: \"{% $params.id %}\" }\n"));
    for (int i = 0; i < 350; i++) {
      Instant at = s.clock.instant().plusMillis(i);
      s.things.create(new Thing("note", dev.backendworkflows.internal.Ids.newId(at), Map.of("text", i % 10 == 0 ? "keep" : "drop"), at, at));
    }
    BatchJob job = new Batches(s.services, s.engine.workflows()).startSearch(newId(), "drop",
        new ThingQuery("note", List.of(new dev.backendworkflows.data.Constraint("text", dev.backendworkflows.data.Constraint.Op.EQ, "drop")),
            null, false, 100, null), "id", Map.of(), 100, null, null, "test");
    assertThat(job.total()).isEqualTo(100);
    Batches batches = new Batches(s.services, s.engine.workflows());
    assertThat(batches.progress(job.id(), 10).totalFinal()).as("found so far, not the total").isFalse();
    s.fireDue();
    assertThat(batches.progress(job.id(), 10).totalFinal()).as("the search is exhausted").isTrue();
    BatchJob done = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(done.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(done.total()).isEqualTo(315);
    assertThat(done.done()).isEqualTo(315);
    assertThat(s.things.search(new ThingQuery("note", List.of(), null, false, 1000, null)).things()).hasSize(35)
        .allMatch(t -> t.fields().get("text").equals("keep"));
  }
}
