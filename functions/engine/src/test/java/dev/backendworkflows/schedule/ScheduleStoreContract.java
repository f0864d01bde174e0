package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.ScheduleConflictException;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.runlog.ErrorInfo;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ScheduleStore} adapter must have; each adapter's test extends this. */
public abstract class ScheduleStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
  protected ScheduleStore store;
  /** A workflow name unique to this test, so adapters backed by a shared table stay isolated. */
  protected String workflow;
  private int tick;

  protected abstract ScheduleStore newStore();

  @BeforeEach
  void setUp() {
    store = newStore();
    workflow = "wf-" + Ids.newId(Instant.now()).toLowerCase().substring(16);
  }

  private ScheduledRun pending(Instant due) {
    String id = Ids.newId(T0.plusMillis(tick++)) + workflow.substring(3);
    ScheduledRun r = ScheduledRun.pending(id, workflow, Map.of("user_id", "u1", "round", 2), due, "run:r0", id, T0, 3);
    store.create(r);
    return r;
  }

  @Test
  void createdRunReadsBack() {
    ScheduledRun r = pending(T0.plusSeconds(60));
    assertThat(store.get(r.id())).contains(r);
    assertThat(store.get("nope")).isEmpty();
  }

  @Test
  void createNeverOverwrites() {
    ScheduledRun r = pending(T0);
    assertThatThrownBy(() -> store.create(r.pendingAgain(T0))).isInstanceOf(ScheduleConflictException.class);
  }

  /**
   * Why this store's engine cannot be held to serialised conditional writes, if it cannot. DynamoDB
   * serialises them; an emulator may not.
   */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  @Test
  void replaceIsConditionalOnTheStoredVersion() {
    ScheduledRun r = pending(T0);
    assertThat(r.version()).isEqualTo(1);
    ScheduledRun started = r.started(T0);
    assertThat(store.replace(started, 1)).isTrue();
    assertThat(store.get(r.id())).contains(started);
    assertThat(store.replace(r.started(T0.plusSeconds(1)), 1)).as("a second start from the same version").isFalse();
    assertThat(store.get(r.id())).contains(started);
    assertThat(store.replace(started.finished(ScheduleStatus.SUCCEEDED, r.id(), null, T0, 9), 7)).as("a version never stored").isFalse();
    assertThat(store.replace(ScheduledRun.pending("nope-" + workflow, workflow, Map.of(), T0, "api", "c", T0, 1), 0))
        .as("an unknown id").isFalse();
    assertThat(store.get("nope-" + workflow)).isEmpty();
  }

  @Test
  void everyFieldOfARunSurvivesAReplace() {
    ScheduledRun r = pending(T0).as(ScheduledRun.Kind.CHUNK);
    store.create(ScheduledRun.pending("c-" + r.id(), workflow, Map.of(), T0, "run:r0", "c-" + r.id(), T0, 1).as(ScheduledRun.Kind.CHUNK));
    ScheduledRun chunk = store.get("c-" + r.id()).orElseThrow();
    assertThat(chunk.kind()).isEqualTo(ScheduledRun.Kind.CHUNK);
    ScheduledRun claimed = chunk.claimed(T0.plusSeconds(1), new dev.backendworkflows.execution.Lease("inv-7", T0.plusSeconds(41)));
    assertThat(store.replace(claimed, chunk.version())).isTrue();
    assertThat(store.get(chunk.id())).contains(claimed);
    ScheduledRun failed = claimed.finished(ScheduleStatus.FAILED, "run-1", new ErrorInfo("boom", "it broke"), T0.plusSeconds(2), 123);
    assertThat(store.replace(failed, claimed.version())).isTrue();
    ScheduledRun done = store.get(chunk.id()).orElseThrow();
    assertThat(done).isEqualTo(failed);
    assertThat(done.error()).isEqualTo(new ErrorInfo("boom", "it broke"));
    assertThat(done.attempt()).isEqualTo(1);
    assertThat(done.lease()).isNull();
    ScheduledRun again = done.pendingAgain(T0.plusSeconds(30));
    assertThat(store.replace(again, done.version())).isTrue();
    assertThat(store.get(chunk.id())).contains(again);
    assertThat(store.get(r.id()).orElseThrow().params()).isEqualTo(Map.of("user_id", "u1", "round", 2));
  }


  @Test
  void ofConcurrentReplacesOfOneVersionOneWins() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    ScheduledRun r = pending(T0);
    int contenders = 8;
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<ScheduledRun> winners = new ConcurrentLinkedQueue<>();
    try (var pool = Executors.newFixedThreadPool(contenders)) {
      for (int i = 0; i < contenders; i++) {
        int n = i;
        pool.submit(() -> {
          start.await();
          ScheduledRun mine = r.started(T0.plusMillis(n));
          if (store.replace(mine, r.version())) {
            winners.add(mine);
          }
          return null;
        });
      }
      start.countDown();
    }
    assertThat(winners).hasSize(1);
    assertThat(store.get(r.id())).contains(winners.peek());
  }

  @Test
  void dueListsPendingRunsUpToNowOldestFirst() {
    ScheduledRun later = pending(T0.plusSeconds(120));
    ScheduledRun second = pending(T0.plusSeconds(20));
    ScheduledRun first = pending(T0.plusSeconds(10));
    ScheduledRun claimed = pending(T0);
    store.replace(claimed.started(T0), claimed.version());
    List<String> due = store.due(T0.plusSeconds(60), 1000).stream().filter(x -> x.workflow().equals(workflow)).map(ScheduledRun::id).toList();
    assertThat(due).containsExactly(first.id(), second.id());
    assertThat(store.due(T0.plusSeconds(500), 1000).stream().map(ScheduledRun::id)).contains(later.id());
  }

  @Test
  void listPagesInDueOrderByStatusAndWorkflow() {
    List<ScheduledRun> runs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      runs.add(pending(T0.plusSeconds(50 - i * 10)));
    }
    List<String> seen = new ArrayList<>();
    String cursor = null;
    do {
      SchedulePage page = store.list(ScheduleStatus.PENDING, workflow, 2, cursor);
      page.runs().forEach(r -> seen.add(r.id()));
      cursor = page.cursor();
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(runs.reversed().stream().map(ScheduledRun::id).toList());
    assertThat(store.list(ScheduleStatus.CANCELLED, workflow, 10, null).runs()).isEmpty();
  }

  @Test
  void recurringEventsAreStoredReplacedListedAndDeletedApartFromRuns() {
    RecurringEvent e = new RecurringEvent(RecurringEvent.idFor(workflow, "user", "u1"), workflow, "user", "u1",
        "cron(0 9 * * ? *)", "Europe/Paris", T0, Map.of("user_id", "u1"), "run:r0", T0);
    store.putRecurring(e);
    assertThat(store.getRecurring(e.id())).contains(e);
    RecurringEvent replaced = new RecurringEvent(e.id(), workflow, "user", "u1", "rate(1 hour)", "UTC", T0, Map.of(), "run:r1", T0);
    store.putRecurring(replaced);
    assertThat(store.getRecurring(e.id())).contains(replaced);
    assertThat(store.listRecurring()).filteredOn(x -> x.workflow().equals(workflow)).containsExactly(replaced);
    assertThat(store.get(e.id())).isEmpty();
    assertThat(store.list(ScheduleStatus.PENDING, workflow, 10, null).runs()).isEmpty();
    assertThat(store.deleteRecurring(e.id())).isTrue();
    assertThat(store.deleteRecurring(e.id())).isFalse();
    assertThat(store.getRecurring(e.id())).isEmpty();
  }

  @Test
  void chainsListTheirRunsAndCanBeMarkedCancelled() {
    ScheduledRun first = pending(T0.plusSeconds(10));
    ScheduledRun other = pending(T0.plusSeconds(5));
    String chain = first.chainId();
    assertThat(store.chain(chain)).containsExactly(first);
    assertThat(store.chain(other.chainId())).extracting(ScheduledRun::iteration).containsExactly(3);
    assertThat(store.chainCancelled(chain)).isFalse();
    store.cancelChain(chain);
    assertThat(store.chainCancelled(chain)).isTrue();
    assertThat(store.chainCancelled(other.chainId())).isFalse();
    assertThat(store.get(first.id())).contains(first);
  }

  private BatchJob newJob() {
    BatchJob job = new BatchJob(workflow + "-job", workflow, "n", Map.of("tag", "t"), 250, 100, 3, java.time.Duration.ofSeconds(2),
        BatchJob.Status.RUNNING, 0, 0, T0, "run:r0", null, 50.0, null, null);
    store.createBatch(job);
    return job;
  }

  @Test
  void batchJobsKeepTheirDefinitionStatusAndCounters() {
    BatchJob job = newJob();
    assertThatThrownBy(() -> store.createBatch(job)).isInstanceOf(ScheduleConflictException.class);
    assertThat(store.getBatch(job.id())).contains(job);
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.count(job.id(), 90, 10)))).isTrue();
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.count(job.id(), 100, 0)))).isTrue();
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.extend(job.id(), 40)))).isTrue();
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.status(job.id(), java.util.Set.of(BatchJob.Status.RUNNING),
        BatchJob.Status.PAUSED)))).isTrue();
    BatchJob now = store.getBatch(job.id()).orElseThrow();
    assertThat(now.status()).isEqualTo(BatchJob.Status.PAUSED);
    assertThat(now.done()).isEqualTo(190);
    assertThat(now.failed()).isEqualTo(10);
    assertThat(now.period()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(now.itemsPerSecond()).isEqualTo(50.0);
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.current(job.id(), "chunk-3", T0.plusSeconds(9))))).isTrue();
    assertThat(store.getBatch(job.id()).orElseThrow()).extracting(BatchJob::current, BatchJob::nextDue)
        .containsExactly("chunk-3", T0.plusSeconds(9));
    assertThat(store.batches(BatchJob.Status.PAUSED, 1000)).extracting(BatchJob::id).contains(job.id());
    assertThat(store.batches(BatchJob.Status.RUNNING, 1000)).extracting(BatchJob::id).doesNotContain(job.id());
    assertThat(store.write(List.of())).as("nothing to write is no failure").isTrue();
    assertThat(now.total()).isEqualTo(290);
    assertThat(now.chunks()).isEqualTo(4);
    assertThat(store.getBatch("nope")).isEmpty();
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.count("nope", 1, 0)))).as("an unknown job").isFalse();
    assertThat(store.get(job.id())).isEmpty();
  }

  @Test
  void countersCountUpToTheirMaxAndAFullOneFailsItsTransaction() {
    String name = "chain-runs:" + workflow;
    assertThat(store.counter(name)).isZero();
    for (int i = 0; i < 3; i++) {
      assertThat(store.write(List.of(new ScheduleWrite.Count(name, 3, T0.plusSeconds(3600).getEpochSecond())))).isTrue();
    }
    assertThat(store.write(List.of(new ScheduleWrite.Count(name, 3, T0.plusSeconds(3600).getEpochSecond())))).isFalse();
    assertThat(store.counter(name)).isEqualTo(3);
    ScheduledRun r = ScheduledRun.pending(Ids.newId(T0) + workflow.substring(3), workflow, Map.of(), T0, "run:r0", "c", T0, 1);
    assertThat(store.write(List.of(new ScheduleWrite.Create(r), new ScheduleWrite.Count(name, 3, T0.plusSeconds(3600).getEpochSecond())))).isFalse();
    assertThat(store.get(r.id())).isEmpty();
    assertThat(store.write(List.of(new ScheduleWrite.Create(r), new ScheduleWrite.Count(name, 4, T0.plusSeconds(3600).getEpochSecond())))).isTrue();
    assertThat(store.get(r.id())).contains(r);
    assertThat(store.counter(name)).isEqualTo(4);
    assertThat(store.list(ScheduleStatus.PENDING, workflow, 100, null).runs()).containsExactly(r); // counters are not runs
  }

  @Test
  void aStatusChangeHoldsOnlyFromTheStatusesItNames() {
    BatchJob job = newJob();
    var pause = ScheduleWrite.UpdateBatch.status(job.id(), java.util.Set.of(BatchJob.Status.RUNNING), BatchJob.Status.PAUSED);
    assertThat(store.write(List.of(pause))).isTrue();
    assertThat(store.write(List.of(pause))).as("paused already").isFalse();
    assertThat(store.write(List.of(ScheduleWrite.UpdateBatch.status(job.id(),
        java.util.Set.of(BatchJob.Status.RUNNING, BatchJob.Status.PAUSED), BatchJob.Status.CANCELLED)))).isTrue();
    assertThat(store.getBatch(job.id()).orElseThrow().status()).isEqualTo(BatchJob.Status.CANCELLED);
  }

  @Test
  void aTransactionWritesAllOrNothing() {
    BatchJob job = newJob();
    ScheduledRun item = pending(T0);
    ScheduledRun next = ScheduledRun.pending(item.id() + "-next", workflow, Map.of(), T0, "run:r0", item.chainId(), T0, 1);
    ScheduledRun ended = item.finished(ScheduleStatus.SUCCEEDED, item.id(), null, T0, 0);
    // one stale condition (the item's version) and nothing of the three is written
    assertThat(store.write(List.of(new ScheduleWrite.Replace(ended, item.version() + 1), new ScheduleWrite.Create(next),
        ScheduleWrite.UpdateBatch.count(job.id(), 1, 0)))).isFalse();
    assertThat(store.get(item.id())).contains(item);
    assertThat(store.get(next.id())).isEmpty();
    assertThat(store.getBatch(job.id()).orElseThrow().done()).isZero();
    // a job in another status fails it likewise
    assertThat(store.write(List.of(new ScheduleWrite.Replace(ended, item.version()), ScheduleWrite.UpdateBatch.status(job.id(),
        java.util.Set.of(BatchJob.Status.PAUSED), BatchJob.Status.RUNNING)))).isFalse();
    assertThat(store.get(item.id())).contains(item);
    // all conditions hold: all of it is written
    assertThat(store.write(List.of(new ScheduleWrite.Replace(ended, item.version()), new ScheduleWrite.Create(next),
        ScheduleWrite.UpdateBatch.count(job.id(), 1, 0).and(ScheduleWrite.UpdateBatch.status(job.id(),
            java.util.Set.of(BatchJob.Status.RUNNING), BatchJob.Status.DONE))))).isTrue();
    assertThat(store.get(item.id())).contains(ended);
    assertThat(store.get(next.id())).contains(next);
    assertThat(store.getBatch(job.id()).orElseThrow()).extracting(BatchJob::done, BatchJob::status).containsExactly(1, BatchJob.Status.DONE);
    // creating what exists fails the whole transaction
    assertThat(store.write(List.of(new ScheduleWrite.Create(next), ScheduleWrite.UpdateBatch.count(job.id(), 5, 0)))).isFalse();
    assertThat(store.getBatch(job.id()).orElseThrow().done()).isEqualTo(1);
  }

  @Test
  void ofConcurrentTransactionsOverOneRunOneWinsAndCountsAddUp() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    BatchJob job = newJob();
    ScheduledRun item = pending(T0);
    int writers = 8;
    var pool = Executors.newFixedThreadPool(writers);
    CountDownLatch go = new CountDownLatch(1);
    List<java.util.concurrent.Future<Boolean>> results = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      results.add(pool.submit(() -> {
        go.await();
        return store.write(List.of(new ScheduleWrite.Replace(item.finished(ScheduleStatus.SUCCEEDED, item.id(), null, T0, 0),
            item.version()), ScheduleWrite.UpdateBatch.count(job.id(), 1, 0)));
      }));
    }
    go.countDown();
    int won = 0;
    for (var r : results) {
      won += r.get() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(won).isEqualTo(1);
    assertThat(store.getBatch(job.id()).orElseThrow().done()).isEqualTo(1);
  }
}
