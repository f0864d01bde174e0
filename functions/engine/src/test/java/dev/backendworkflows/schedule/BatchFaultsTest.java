package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch jobs under faults, with a controllable clock and the fault hook at the ports: a job killed
 * at any point finishes with every item run once and exact counts; an outage never releases a
 * backlog; a failing page fetch does not stall a search job; retries are paced.
 */
class BatchFaultsTest {
  private static final String RECORD_ONE = Fixtures.RECORD_ONE;

  private static Fixtures.Stack stack() {
    return new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE));
  }

  private static BatchJob start(Fixtures.Stack s, String id, int items, int batchSize, Double rate) {
    return new Batches(s.services, s.engine.workflows()).start(id, "record-one",
        new ArrayList<>(IntStream.range(0, items).boxed().toList()), "n", Map.of(), batchSize, rate, null, "test");
  }

  private static List<Thing> notes(Fixtures.Stack s) {
    return s.things.search(new ThingQuery("note", List.of(), null, false, 1000, null)).things();
  }

  private static List<RunRecord> runs(Fixtures.Stack s) {
    return runs(s, "record-one");
  }

  private static List<RunRecord> runs(Fixtures.Stack s, String workflow) {
    List<RunRecord> all = new ArrayList<>();
    String cursor = null;
    do {
      var page = s.runs.query(new RunQuery(workflow, null, 100, cursor));
      all.addAll(page.runs());
      cursor = page.cursor();
    } while (cursor != null);
    return all;
  }

  /** Fires what is due; a crash is what it is in production — the attempt is gone, nothing else happens. */
  static void fireSurviving(Fixtures.Stack s) {
    try {
      s.fireDue();
    } catch (Faults.Crash crashed) {
      // the invocation died here
    }
  }

  /** What production does after a crash: the sweep, once leases have passed, then what it dispatched. */
  static void recover(Fixtures.Stack s) {
    for (int round = 0; round < 6; round++) {
      s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
      s.deliveries.sweep();
      fireSurviving(s);
    }
  }

  /** The largest number of item starts in any one-second window. */
  static int busiestSecond(List<Instant> starts) {
    List<Instant> sorted = starts.stream().sorted().toList();
    int most = 0;
    for (int i = 0, j = 0; i < sorted.size(); i++) {
      while (Duration.between(sorted.get(j), sorted.get(i)).compareTo(Duration.ofSeconds(1)) >= 0) {
        j++;
      }
      most = Math.max(most, i - j + 1);
    }
    return most;
  }

  /**
   * Runs a job once cleanly with the fault hook numbering its calls, then once per point — before
   * and after each call — with the attempt killed there, the starting step replayed as a run's next
   * attempt would, and the sweep recovering after; {@code check} holds for every point's end state.
   */
  private static void assertEveryCrashPointRecovers(java.util.function.Supplier<Fixtures.Stack> stack,
      java.util.function.Function<Fixtures.Stack, ?> start, java.util.function.Consumer<Fixtures.Stack> check,
      String... expectedCalls) {
    Fixtures.Stack clean = stack.get();
    clean.faults.arm();
    start.apply(clean);
    for (int i = 0; i < 10; i++) {
      clean.advance(Duration.ofSeconds(1));
    }
    List<String> calls = clean.faults.calls();
    clean.faults.disarm();
    check.accept(clean);
    assertThat(calls).contains(expectedCalls);

    List<String> failures = new ArrayList<>();
    for (int point = 0; point < 2 * calls.size(); point++) {
      String where = Faults.describe(point, calls);
      Fixtures.Stack s = stack.get();
      s.faults.crashAt(point);
      Object job = null;
      for (int attempt = 0; job == null && attempt < 3; attempt++) {
        try {
          job = start.apply(s); // the step that starts it is replayed after a crash: same id
        } catch (Faults.Crash crashed) {
          // replayed by the run's next attempt
        }
      }
      for (int i = 0; i < 10; i++) {
        s.clock.advance(Duration.ofSeconds(1));
        fireSurviving(s);
      }
      s.faults.disarm();
      recover(s);
      try {
        check.accept(s);
      } catch (AssertionError e) {
        failures.add(where + ": " + e.getMessage().lines().findFirst().orElse(""));
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + 2 * calls.size() + " crash points did not recover:\n" + String.join("\n", failures));
    }
  }

  @Test
  void aJobKilledAtAnyPointFinishesWithEveryItemOnceAndExactCounts() {
    int items = 7;
    assertEveryCrashPointRecovers(BatchFaultsTest::stack, s -> start(s, "job", items, 3, 100.0), s -> {
      BatchJob end = s.schedules.getBatch("job").orElseThrow();
      List<Thing> notes = notes(s);
      assertThat(notes).as("notes").hasSize(6);
      assertThat(new HashSet<>(notes.stream().map(n -> n.fields().get("text")).toList())).as("distinct notes").hasSize(6);
      assertThat(runs(s)).as("item runs").hasSize(items);
      assertThat(end.status()).as("status").isEqualTo(BatchJob.Status.DONE);
      assertThat(end.done()).as("done").isEqualTo(6);
      assertThat(end.failed()).as("failed").isEqualTo(1);
    }, "ScheduleStore.write", "ScheduleStore.createBatch", "Dispatcher.dispatchNow");
  }

  /** A job over 12 items, 3 of them failed (n % 4 = 3: its thing is missing), then the thing made so a retry succeeds. */
  private static Fixtures.Stack doneWithThreeFailed() {
    Fixtures.Stack s = stack();
    start(s, "job", 12, 2, 100.0);
    for (int i = 0; i < 10; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    assertThat(s.schedules.getBatch("job").orElseThrow().failed()).isEqualTo(3);
    Instant at = s.clock.instant();
    s.things.create(new Thing("note", "missing", Map.of("text", "gate"), at, at));
    return s;
  }

  /** {@code /retry}, replayed as a caller would after an error: once the job runs again, it answers {@code batch_not_done}. */
  private static Object retry(Fixtures.Stack s) {
    try {
      return new Batches(s.services, s.engine.workflows()).retryFailed("job");
    } catch (dev.backendworkflows.exceptions.ActionException running) {
      assertThat(running.code()).isEqualTo("batch_not_done");
      return running.code();
    }
  }

  @Test
  void aRetryKilledAtAnyPointRunsEachFailedItemOnceMoreWithExactCounts() {
    assertEveryCrashPointRecovers(BatchFaultsTest::doneWithThreeFailed, BatchFaultsTest::retry, s -> {
      BatchJob end = s.schedules.getBatch("job").orElseThrow();
      List<Thing> notes = notes(s).stream().filter(n -> !n.id().equals("missing")).toList();
      assertThat(new HashSet<>(notes.stream().map(n -> n.fields().get("text")).toList())).as("distinct notes").hasSize(12);
      assertThat(notes).as("notes, each created once").hasSize(12);
      assertThat(runs(s)).as("item runs").hasSize(12);
      assertThat(end.status()).as("status").isEqualTo(BatchJob.Status.DONE);
      assertThat(end.done()).as("done").isEqualTo(12);
      assertThat(end.failed()).as("failed").isZero();
      assertThat(s.schedules.chain("job").stream().filter(r -> !r.ended() && !r.dueAt().equals(BatchJob.PARKED)).toList())
          .as("nothing left to run").isEmpty();
    }, "ScheduleStore.write", "ScheduleStore.create", "Dispatcher.dispatchNow");
  }

  private static final String TOUCH = """
      name: touch
      trigger: { schedule: {} }
      parameters:
        id: { type: text, required: true }
      steps:
        - { action: update_thing, type: note, thing_id: "{% $params.id %}", fields: { text: touched } }
      """;

  /** A stack with {@code count} notes for a search job to walk. */
  private static Fixtures.Stack searchStack(int count) {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("touch.yaml", TOUCH));
    for (int i = 0; i < count; i++) {
      Instant at = s.clock.instant().plusMillis(i);
      s.things.create(new Thing("note", dev.backendworkflows.internal.Ids.newId(at), Map.of("text", "n" + i), at, at));
    }
    return s;
  }

  private static BatchJob startSearch(Fixtures.Stack s, String id) {
    return new Batches(s.services, s.engine.workflows()).startSearch(id, "touch", new ThingQuery("note", List.of(), null, false, 3,
        null), "id", Map.of(), 3, 100.0, null, "test");
  }

  @Test
  void aSearchJobKilledAtAnyPointFinishesWithEveryThingOnceAndExactCounts() {
    int things = 7;
    assertEveryCrashPointRecovers(() -> searchStack(things), s -> startSearch(s, "job"), s -> {
      BatchJob end = s.schedules.getBatch("job").orElseThrow();
      assertThat(notes(s)).as("notes touched").allMatch(n -> n.fields().get("text").equals("touched"));
      assertThat(runs(s, "touch")).as("item runs").hasSize(things);
      assertThat(end.status()).as("status").isEqualTo(BatchJob.Status.DONE);
      assertThat(end.total()).as("total").isEqualTo(things);
      assertThat(end.done()).as("done").isEqualTo(things);
      assertThat(end.failed()).as("failed").isZero();
    }, "ThingStore.search", "ScheduleStore.write");
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "resume {0} the chunk ends")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"before", "after"})
  void pausedAndResumedWhileAChunkRunsTheJobFinishesWithEveryItemOnce(String when) throws Exception {
    Fixtures.Stack s = stack();
    BatchJob job = start(s, "raced", 9, 3, 100.0);
    Batches batches = new Batches(s.services, s.engine.workflows());
    AtomicCount getBatch = new AtomicCount();
    // chunk 0 stops just before it reads the job to decide what follows it (its second look at the job)
    s.faults.holdBefore(call -> call.equals("ScheduleStore.getBatch") && getBatch.next() == 2);
    Thread chunk = new Thread(s::fireOnce);
    chunk.start();
    s.faults.awaitHeld();
    batches.pause(job.id());
    if (when.equals("before")) {
      batches.resume(job.id()); // the chunk is running: resume has nothing to arm, the chunk's end arms the next
    }
    s.faults.release();
    chunk.join(10_000);
    s.faults.disarm();
    if (when.equals("after")) {
      assertThat(s.schedules.getBatch(job.id()).orElseThrow().status()).isEqualTo(BatchJob.Status.PAUSED);
      assertThat(armed(s, job.id())).as("a paused job holds no schedule").isZero();
      batches.resume(job.id()); // the chunk ended paused and parked the next: resume arms it
    }
    for (int i = 0; i < 10; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).isEqualTo(9);
    assertThat(runs(s)).hasSize(9);
    assertThat(notes(s)).hasSize(7);
  }

  @Test
  void cancelledWhileAChunkDecidesWhatFollowsNothingMoreRunsAndCountsStayExact() throws Exception {
    Fixtures.Stack s = stack();
    BatchJob job = start(s, "raced", 9, 3, 100.0);
    AtomicCount getBatch = new AtomicCount();
    // chunk 0 has run its items and read the job as running; it is about to arm chunk 1
    s.faults.holdBefore(call -> call.equals("ScheduleStore.getBatch") && getBatch.next() == 2);
    Thread chunk = new Thread(s::fireOnce);
    chunk.start();
    s.faults.awaitHeld();
    new Batches(s.services, s.engine.workflows()).cancel(job.id());
    s.faults.release();
    chunk.join(10_000);
    s.faults.disarm();
    for (int i = 0; i < 10; i++) {
      s.advance(Duration.ofSeconds(1));
      s.deliveries.sweep();
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.CANCELLED);
    assertThat(armed(s, job.id())).as("a cancelled job holds no schedule").isZero();
    assertThat(runs(s)).as("only chunk 0's items ran").hasSize(3);
    assertThat(end.done() + end.failed()).as("counted as they ran").isEqualTo(3);
    assertThat(s.schedules.getBatch(job.id()).orElseThrow().current()).as("the cancelled chunk 1 never became current")
        .isEqualTo(BatchJob.chunkId(job.id(), 0));
  }

  @Test
  void afterAFifteenMinuteOutageTheRateHoldsInEverySecond() {
    Fixtures.Stack s = stack();
    double rate = 5;
    BatchJob job = start(s, "outage", 300, 100, rate);
    s.fireDue();
    s.clock.advance(Duration.ofSeconds(1));
    // the invocation running the next chunk dies mid-way, and nothing is delivered for 15 minutes
    s.faults.crashBefore(call -> call.equals("RunLog.write") && s.faults.calls().size() > 40);
    fireSurviving(s);
    s.faults.disarm();
    s.clock.advance(Duration.ofMinutes(15));
    for (int minute = 0; minute < 40; minute++) {
      s.deliveries.sweep();
      for (int second = 0; second < 60; second++) {
        s.clock.advance(Duration.ofSeconds(1));
        s.fireOnce();
        assertThat(armed(s, job.id())).as("chunks of the job armed at once").isLessThanOrEqualTo(1);
      }
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).isEqualTo(300);
    List<Instant> starts = runs(s).stream().map(RunRecord::startedAt).toList();
    assertThat(starts).hasSize(300);
    assertThat(busiestSecond(starts)).as("item starts in the busiest second at " + rate + "/s").isLessThanOrEqualTo((int) rate + 1);
  }

  /** Chunks of a job that are pending and not parked: armed to be delivered. */
  private static long armed(Fixtures.Stack s, String jobId) {
    return s.schedules.chain(jobId).stream().filter(r -> r.kind() == ScheduledRun.Kind.CHUNK
        && r.status() == ScheduleStatus.PENDING && !r.dueAt().equals(BatchJob.PARKED)).count();
  }

  @Test
  void aChunkThatWouldOutlastItsInvocationHandsTheRestOnAtItsPace() {
    Fixtures.Stack s = stack();
    BatchJob job = start(s, "deadline", 40, 40, 2.0); // 40 items at 2/s: 20 s, in invocations that end after 12 s
    int deliveries = 0;
    for (int i = 0; i < 200 && s.schedules.getBatch(job.id()).orElseThrow().status() != BatchJob.Status.DONE; i++) {
      for (var d : s.scheduler.due(s.clock.instant())) {
        s.scheduler.delivered(d.scheduledRunId());
        s.deliveries.deliver(d.scheduledRunId(), new dev.backendworkflows.execution.Invocation("inv-" + i,
            s.clock.instant().plusSeconds(12)));
        deliveries++;
      }
      s.clock.advance(Duration.ofMillis(250));
    }
    assertThat(s.schedules.getBatch(job.id()).orElseThrow()).extracting(BatchJob::status, BatchJob::done, BatchJob::failed)
        .containsExactly(BatchJob.Status.DONE, 30, 10);
    assertThat(deliveries).as("handed on at least once").isGreaterThan(1);
    List<Instant> starts = runs(s).stream().map(RunRecord::startedAt).toList();
    assertThat(busiestSecond(starts)).isLessThanOrEqualTo(3);
  }

  @Test
  void theWatchdogContinuesARunningJobWhoseCurrentChunkEndedWithoutArmingTheNext() {
    Fixtures.Stack s = stack();
    BatchJob job = start(s, "watched", 9, 3, 100.0);
    s.fireOnce(); // chunk 0 ran and armed chunk 1
    ScheduledRun one = s.schedules.get(BatchJob.chunkId(job.id(), 1)).orElseThrow();
    // chunk 1 is given up and the attempt dies before arming chunk 2: nothing is armed, the job still runs
    s.scheduler.cancel(one.id());
    s.schedules.replace(one.finished(ScheduleStatus.FAILED, null, new dev.backendworkflows.runlog.ErrorInfo("attempts_exhausted", "x"),
        s.clock.instant(), 0), one.version());
    for (int i = 0; i < 5; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    assertThat(s.schedules.getBatch(job.id()).orElseThrow().status()).as("stalled without the watchdog").isEqualTo(BatchJob.Status.RUNNING);
    s.deliveries.sweep();
    for (int i = 0; i < 5; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).as("every item of a done job counted").isEqualTo(9);
    assertThat(new Batches(s.services, s.engine.workflows()).failures(job.id()))
        .filteredOn(f -> f.error().code().equals("chunk_abandoned")).as("chunk 1's items, failed by the watchdog").hasSize(3);
  }

  @Test
  void aChunkWhoseAttemptsAllDiedFailsItsUnstartedItemsCountedAndRetryable() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", RECORD_ONE.replace("trigger: { schedule: {} }",
        "trigger: { schedule: {} }\nmax_attempts: 1")));
    BatchJob job = start(s, "abandoned", 6, 6, null);
    AtomicCount creates = new AtomicCount();
    s.faults.crashBefore(call -> call.equals("ScheduleStore.create") && creates.next() == 3); // dies creating item 2
    fireSurviving(s);
    s.faults.disarm();
    recover(s);
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done() + end.failed()).as("every item ended and counted").isEqualTo(6);
    Batches batches = new Batches(s.services, s.engine.workflows());
    assertThat(batches.failures(job.id())).extracting(f -> f.error().code()).contains("chunk_abandoned");
    int abandoned = (int) batches.failures(job.id()).stream().filter(f -> f.error().code().equals("chunk_abandoned")).count();
    assertThat(batches.retryFailed(job.id())).isGreaterThanOrEqualTo(abandoned);
    s.fireDue();
    assertThat(notes(s)).hasSize(5); // items 0–5 but for 3 (n % 4 = 3 fails), each once
  }

  /** A counter usable in a lambda. */
  private static final class AtomicCount {
    private final java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();

    int next() {
      return n.incrementAndGet();
    }
  }

  @Test
  void itemsInsideOneChunkAreSpacedWhateverTheBatchSize() {
    Fixtures.Stack s = stack();
    start(s, "spaced", 100, 100, 10.0); // one chunk of 100 at 10 items/s: 10 s, never 100 in one second
    s.fireDue();
    List<Instant> starts = runs(s).stream().map(RunRecord::startedAt).toList();
    assertThat(starts).hasSize(100);
    assertThat(busiestSecond(starts)).isLessThanOrEqualTo(11);
    assertThat(Duration.between(starts.stream().min(Instant::compareTo).orElseThrow(),
        starts.stream().max(Instant::compareTo).orElseThrow())).isGreaterThanOrEqualTo(Duration.ofMillis(9_900));
  }

  @Test
  void aSearchJobWhosePageFetchFailsOnceCompletes() {
    Fixtures.Stack t = new Fixtures.Stack(Fixtures.workflows("touch.yaml", """
        name: touch
        trigger: { schedule: {} }
        parameters:
          id: { type: text, required: true }
        steps:
          - { action: update_thing, type: note, thing_id: "{% $params.id %}", fields: { text: touched } }
        """));
    for (int i = 0; i < 25; i++) {
      Instant at = t.clock.instant().plusMillis(i);
      t.things.create(new Thing("note", dev.backendworkflows.internal.Ids.newId(at), Map.of("text", "n" + i), at, at));
    }
    BatchJob job = new Batches(t.services, t.engine.workflows()).startSearch("search", "touch",
        new ThingQuery("note", List.of(), null, false, 10, null), "id", Map.of(), 10, null, null, "test");
    // the page after the first chunk cannot be read, once
    t.faults.failBefore(call -> call.equals("ThingStore.search"), 1);
    t.fireDue();
    t.faults.disarm();
    assertThat(t.schedules.getBatch(job.id()).orElseThrow().status()).isEqualTo(BatchJob.Status.RUNNING);
    for (int i = 0; i < 10; i++) {
      t.advance(Duration.ofSeconds(30));
    }
    BatchJob end = t.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.total()).isEqualTo(25);
    assertThat(end.done()).isEqualTo(25);
    assertThat(t.things.search(new ThingQuery("note", List.of(new Constraint("text", Constraint.Op.EQ, "touched")), null, false, 100,
        null)).things()).hasSize(25);
  }

  @Test
  void retryingTenThousandFailedItemsIsPacedAndCountedOnce() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("fail-one.yaml", Fixtures.FAIL_ONE));
    Batches batches = new Batches(s.services, s.engine.workflows());
    BatchJob job = batches.start("many", "fail-one", new ArrayList<>(IntStream.range(0, 10_000).boxed().toList()), "n", Map.of(),
        500, 1000.0, null, "test");
    for (int i = 0; i < 30 && s.schedules.getBatch(job.id()).orElseThrow().status() != BatchJob.Status.DONE; i++) {
      s.advance(Duration.ofSeconds(1));
    }
    assertThat(s.schedules.getBatch(job.id()).orElseThrow()).extracting(BatchJob::status, BatchJob::failed)
        .containsExactly(BatchJob.Status.DONE, 10_000);
    Instant retried = s.clock.instant();
    assertThat(batches.retryFailed(job.id())).isEqualTo(10_000);
    assertThat(s.schedules.getBatch(job.id()).orElseThrow().status()).isEqualTo(BatchJob.Status.RUNNING);
    int deliveries = 0;
    for (int i = 0; i < 60 && s.schedules.getBatch(job.id()).orElseThrow().status() != BatchJob.Status.DONE; i++) {
      deliveries += s.fireDue();
      s.clock.advance(Duration.ofMillis(100));
    }
    BatchJob end = s.schedules.getBatch(job.id()).orElseThrow();
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.failed()).as("each fails again, counted once").isEqualTo(10_000);
    assertThat(end.done()).isZero();
    assertThat(deliveries).as("chunks of the batch size, one at a time").isEqualTo(20);
    assertThat(Duration.between(retried, s.clock.instant())).as("10,000 items at 1,000/s").isGreaterThanOrEqualTo(Duration.ofMillis(9_990));
    List<Instant> retriedStarts = s.schedules.chain(job.id()).stream().filter(r -> r.kind() == ScheduledRun.Kind.ITEM)
        .map(ScheduledRun::claimedAt).filter(at -> !at.isBefore(retried)).toList(); // when each item's retry started
    assertThat(retriedStarts).as("each item's retried attempt").hasSize(10_000);
    assertThat(busiestSecond(retriedStarts)).as("1,000 a second, + 1, in every second").isLessThanOrEqualTo(1_001);
  }
}
