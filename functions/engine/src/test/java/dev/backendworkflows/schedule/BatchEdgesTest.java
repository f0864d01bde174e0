package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch jobs at their edges, each case once a defect: a give-up cut off before its items were
 * failed, a stalled job past the first hundred, batch items that schedule follow-ups, a pause racing
 * the arming of the next chunk, {@code cancel_scheduled} of an item that ran, and the rate across
 * chunks of one item.
 */
class BatchEdgesTest {
  private static final String RECORD_ONE = """
      name: record-one
      trigger: { schedule: {} }
      max_attempts: 1
      parameters:
        n: { type: number, required: true }
      steps:
        - { action: create_thing, type: note, fields: { text: "{% $string($params.n) %}" } }
      """;

  private static void fireSurviving(Fixtures.Stack s) {
    BatchFaultsTest.fireSurviving(s);
  }

  private static void recover(Fixtures.Stack s) {
    BatchFaultsTest.recover(s);
  }

  /** A chunk given up (attempts exhausted) whose attempt dies right after the give-up write, before abandon(). */
  @Test
  void anExhaustedChunkKilledBeforeFailingItsItemsStillCountsEveryItem() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    BatchJob job = batches.start("ab", "record-one", new ArrayList<>(IntStream.range(0, 6).boxed().toList()), "n", Map.of(), 3,
        null, null, "t");
    java.util.concurrent.atomic.AtomicInteger creates = new java.util.concurrent.atomic.AtomicInteger();
    s.faults.crashBefore(c -> c.equals("ScheduleStore.create") && creates.incrementAndGet() == 2); // dies creating item 1
    fireSurviving(s);
    // next delivery: claim() writes the chunk FAILED (exhausted), then the attempt dies before abandon()
    AtomicBoolean once = new AtomicBoolean();
    s.faults.crashBefore(c -> {
      List<String> calls = s.faults.calls();
      return c.equals("ScheduleStore.getBatch") && calls.size() >= 2 && calls.get(calls.size() - 2).equals("ScheduleStore.replace")
          && once.compareAndSet(false, true);
    });
    recover(s);
    s.faults.disarm();
    recover(s);
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(once).isTrue();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).as("every item of a done job is terminal and counted").isEqualTo(6);
  }

  @Test
  void aJobIsDoneOnlyOnceAnItemAGivenUpChunkLeftRunningHasEnded() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE));
    BatchJob job = new Batches(s.services, s.engine.workflows()).start("open", "record-one", List.of(0, 1, 2), "n", Map.of(), 3, null,
        null, "t");
    s.faults.crashBefore(c -> c.equals("ThingStore.write")); // dies inside item 0's run: the item and its run stay running
    fireSurviving(s);
    s.faults.disarm();
    List<String> broken = new ArrayList<>();
    for (int round = 0; round < 6; round++) {
      s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
      s.deliveries.sweep();
      // the sweep's deliveries, the chunk's first (a scheduler keeps no order), the job looked at after each
      List<Scheduler.Delivery> due = new ArrayList<>();
      s.scheduler.fireDue(s.clock.instant(), due::add);
      due.sort(java.util.Comparator.comparing(d -> !d.scheduledRunId().contains("-chunk-")));
      for (var d : due) {
        if (d.resume()) {
          s.deliveries.resume(d.scheduledRunId(), dev.backendworkflows.execution.Invocation.untimed());
        } else {
          s.deliveries.deliver(d.scheduledRunId());
        }
        List<String> open = s.schedules.chain(job.id()).stream().filter(r -> r.kind() == ScheduledRun.Kind.ITEM && !r.ended())
            .map(ScheduledRun::id).toList();
        if (s.schedules.getBatch(job.id()).orElseThrow().status() == BatchJob.Status.DONE && !open.isEmpty()) {
          broken.add("done after delivering " + d.scheduledRunId() + " while " + open + " had not ended");
        }
      }
      s.fireDue(); // and what those dispatched
    }
    assertThat(broken).isEmpty();
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).as("every item ended and counted").isEqualTo(3);
  }

  /** The watchdog looks at the first 100 running jobs only. */
  @Test
  void watchdogRepairsAStalledJobBeyondTheFirstHundred() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    for (int j = 0; j < 101; j++) {
      s.clock.advance(Duration.ofMillis(1));
      batches.start(String.format("j%03d", j), "record-one", List.of(1, 2), "n", Map.of(), 1, 0.001, null, "t"); // slow: stays running
    }
    s.fireOnce(); // each job's chunk 0 ran; chunk 1 armed ~1000 s later
    String last = "j100";
    BatchJob job = s.schedules.getBatch(last).orElseThrow();
    ScheduledRun cur = s.schedules.get(job.current()).orElseThrow();
    // the last job's current chunk ends without its next armed (as the watchdog test simulates)
    s.scheduler.cancel(cur.id());
    s.schedules.replace(cur.finished(ScheduleStatus.FAILED, null, new dev.backendworkflows.runlog.ErrorInfo("attempts_exhausted", "x"),
        s.clock.instant(), 0), cur.version());
    for (int i = 0; i < 3; i++) {
      s.clock.advance(Duration.ofMinutes(1));
      s.deliveries.sweep();
      s.fireDue();
    }
    BatchJob after = s.schedules.getBatch(last).orElseThrow();
    assertThat(after.status()).as("stalled job beyond the first 100 repaired").isEqualTo(BatchJob.Status.DONE);
  }

  private static final String FOLLOW = """
      name: follow
      trigger: { schedule: {} }
      parameters:
        n: { type: number, required: true }
      steps:
        - { action: create_thing, type: note, fields: { text: "{% $string($params.n) %}" } }
        - { id: later, action: schedule_workflow, workflow: write-note, after: P1D, params: { text: later } }
      """;

  /** Batch items are scheduled runs in the job's chain: items that schedule a follow-up share one max_iterations budget. */
  @Test
  void batchItemsThatScheduleAFollowUpAllSucceed() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("follow.yaml", FOLLOW, "write-note.yaml", Fixtures.WRITE_NOTE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    BatchJob job = batches.start("fu", "follow", new ArrayList<>(IntStream.range(0, 150).boxed().toList()), "n", Map.of(), 50,
        null, null, "t");
    for (int i = 0; i < 5; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    var failures = batches.failures(job.id());
    assertThat(end.failed()).as("items failed only because they schedule a follow-up").isZero();
  }

  /** Pause lands between a chunk's decision to arm the next and its write: the next chunk is armed (a schedule held) while paused. */
  @Test
  void pausedJobHoldsNoScheduleEvenWhenPauseRacesTheArming() throws Exception {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    BatchJob job = batches.start("pz", "record-one", new ArrayList<>(IntStream.range(0, 6).boxed().toList()), "n", Map.of(), 2,
        null, Duration.ofHours(1), "t");
    // chunk 0 has read the job as running in next(), and is about to write the arming of chunk 1
    AtomicBoolean held = new AtomicBoolean();
    s.faults.holdBefore(c -> {
      List<String> calls = s.faults.calls();
      return c.equals("ScheduleStore.write") && calls.stream().filter("ScheduleStore.write"::equals).count() > 2
          && calls.size() >= 2 && calls.get(calls.size() - 2).equals("ScheduleStore.get") && !held.getAndSet(true);
    });
    Thread t = new Thread(s::fireOnce);
    t.start();
    s.faults.awaitHeld();
    batches.pause(job.id());
    s.faults.release();
    t.join(10_000);
    s.faults.disarm();
    BatchJob paused = s.schedules.getBatch(job.id()).orElseThrow();
    long armed = s.schedules.chain(job.id()).stream().filter(r -> r.kind() == ScheduledRun.Kind.CHUNK
        && r.status() == ScheduleStatus.PENDING && !r.dueAt().equals(BatchJob.PARKED)).count();
    assertThat(paused.status()).isEqualTo(BatchJob.Status.PAUSED);
    assertThat(armed).as("a paused job holds no schedule").isZero();
  }

  /** cancel_scheduled of a batch item: README says only an unknown id fails the step. */
  @Test
  void cancelScheduledOfABatchItemThatRanSucceedsWithoutCancelling() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE, "cancel.yaml", """
        name: cancel
        trigger: { api: {} }
        parameters:
          id: { type: text, required: true }
        steps:
          - { id: c, action: cancel_scheduled, scheduled_id: "{% $params.id %}" }
        """));
    Batches batches = new Batches(s.services, s.engine.workflows());
    batches.start("cx", "record-one", List.of(1), "n", Map.of(), 1, null, null, "t");
    s.fireDue();
    var r = s.engine.run(new dev.backendworkflows.engine.RunRequest("cancel", Map.of("id", BatchJob.itemId("cx", 0)), "api", "t")).record();
    assertThat(r.error()).isNull();
  }

  @Test
  void chunksOfOneItemKeepTheRateAcrossChunkBoundaries() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE));
    new Batches(s.services, s.engine.workflows()).start("r", "write-note", new ArrayList<>(IntStream.range(0, 20).mapToObj(i -> "t" + i)
        .toList()), "text", Map.of(), 1, 2.0, null, "t");
    for (int i = 0; i < 200; i++) {
      s.advance(Duration.ofMillis(100));
    }
    List<java.time.Instant> starts = new ArrayList<>();
    String cursor = null;
    do {
      var page = s.runs.query(new dev.backendworkflows.runlog.RunQuery("write-note", null, 100, cursor));
      page.runs().stream().map(dev.backendworkflows.runlog.RunRecord::startedAt).forEach(starts::add);
      cursor = page.cursor();
    } while (cursor != null);
    assertThat(starts).hasSize(20);
    assertThat(BatchFaultsTest.busiestSecond(starts)).as("2 a second, + 1").isLessThanOrEqualTo(3);
  }

  @Test
  void aJobResumedAfterAPauseKeepsItsRateInEverySecond() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("write-note.yaml", Fixtures.WRITE_NOTE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    // 0.4 a second in chunks of 5: a chunk every 12.5 s, through the scheduler; items 2.5 s apart
    BatchJob job = batches.start("paced", "write-note", new ArrayList<>(IntStream.range(0, 20).mapToObj(i -> "t" + i).toList()), "text",
        Map.of(), 5, 0.4, null, "t");
    s.fireOnce(); // chunk 0's items, 2.5 s apart; chunk 1 is armed 12.5 s after chunk 0 began
    assertThat(s.schedules.getBatch(job.id()).orElseThrow().done()).isEqualTo(5);
    batches.pause(job.id());
    s.advance(Duration.ofMinutes(3)); // a pause: no backlog may build up behind it
    batches.resume(job.id());
    for (int i = 0; i < 200 && s.schedules.getBatch(job.id()).orElseThrow().status() != BatchJob.Status.DONE; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    List<java.time.Instant> starts = s.schedules.chain(job.id()).stream().filter(r -> r.kind() == ScheduledRun.Kind.ITEM)
        .map(ScheduledRun::claimedAt).toList();
    assertThat(s.schedules.getBatch(job.id()).orElseThrow().status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(starts).hasSize(20);
    assertThat(BatchFaultsTest.busiestSecond(starts)).as("0.4 a second, + 1, across the pause").isLessThanOrEqualTo(1);
    assertThat(java.time.Duration.between(starts.stream().min(java.util.Comparator.naturalOrder()).orElseThrow(),
        starts.stream().max(java.util.Comparator.naturalOrder()).orElseThrow())).as("20 items at 0.4 a second, and the pause")
        .isGreaterThanOrEqualTo(Duration.ofSeconds(47 + 179));
  }
}
