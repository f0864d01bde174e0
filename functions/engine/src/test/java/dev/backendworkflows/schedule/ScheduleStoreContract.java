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
    assertThatThrownBy(() -> store.create(r.with(ScheduleStatus.PENDING))).isInstanceOf(ScheduleConflictException.class);
  }

  /**
   * Why this store's engine cannot be held to serialised conditional writes, if it cannot. DynamoDB
   * serialises them; an emulator may not.
   */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  @Test
  void secondClaimLoses() {
    ScheduledRun r = pending(T0);
    assertThat(store.claim(r.id(), T0)).get().extracting(ScheduledRun::status).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(store.claim(r.id(), T0)).isEmpty();
  }

  @Test
  void onlyOneClaimWinsEvenConcurrently() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    ScheduledRun r = pending(T0);
    int contenders = 8;
    CountDownLatch start = new CountDownLatch(1);
    ConcurrentLinkedQueue<ScheduledRun> winners = new ConcurrentLinkedQueue<>();
    try (var pool = Executors.newFixedThreadPool(contenders)) {
      for (int i = 0; i < contenders; i++) {
        pool.submit(() -> {
          start.await();
          store.claim(r.id(), T0).ifPresent(winners::add);
          return null;
        });
      }
      start.countDown();
    }
    assertThat(winners).hasSize(1);
    assertThat(winners.peek().status()).isEqualTo(ScheduleStatus.RUNNING);
    assertThat(store.claim(r.id(), T0)).isEmpty();
  }

  @Test
  void aClaimPastItsLeaseCanBeTakenOverButAFreshOneCannot() {
    ScheduledRun r = pending(T0);
    assertThat(store.claim(r.id(), T0)).get().extracting(ScheduledRun::claimedAt).isEqualTo(T0);
    assertThat(store.claim(r.id(), T0.plus(ScheduleStore.CLAIM_LEASE).minusSeconds(1))).isEmpty();
    Instant later = T0.plus(ScheduleStore.CLAIM_LEASE).plusSeconds(1);
    assertThat(store.claim(r.id(), later)).get().extracting(ScheduledRun::claimedAt).isEqualTo(later);
    store.finish(r.id(), ScheduleStatus.SUCCEEDED, "run-1", null, later, 9);
    assertThat(store.claim(r.id(), later.plus(ScheduleStore.CLAIM_LEASE).plusSeconds(60))).isEmpty();
  }

  @Test
  void finishRecordsOutcomeOfARunningRun() {
    ScheduledRun r = pending(T0);
    store.claim(r.id(), T0);
    store.finish(r.id(), ScheduleStatus.FAILED, "run-1", new ErrorInfo("boom", "it broke"), T0.plusSeconds(1), 123);
    ScheduledRun done = store.get(r.id()).orElseThrow();
    assertThat(done.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(done.runId()).isEqualTo("run-1");
    assertThat(done.error()).isEqualTo(new ErrorInfo("boom", "it broke"));
    assertThat(done.finishedAt()).isEqualTo(T0.plusSeconds(1));
    assertThat(done.params()).isEqualTo(r.params());
  }

  @Test
  void onlyPendingRunsCancel() {
    ScheduledRun r = pending(T0);
    assertThat(store.cancel(r.id(), T0, 99)).isTrue();
    assertThat(store.get(r.id()).orElseThrow().status()).isEqualTo(ScheduleStatus.CANCELLED);
    assertThat(store.cancel(r.id(), T0, 99)).isFalse();
    assertThat(store.claim(r.id(), T0)).isEmpty();
    assertThat(store.cancel("unknown", T0, 99)).isFalse();
  }

  @Test
  void onlyFailedRunsRetry() {
    ScheduledRun r = pending(T0);
    assertThat(store.retry(r.id(), T0)).isEmpty();
    store.claim(r.id(), T0);
    store.finish(r.id(), ScheduleStatus.FAILED, null, new ErrorInfo("x", "y"), T0, 5);
    ScheduledRun again = store.retry(r.id(), T0.plusSeconds(30)).orElseThrow();
    assertThat(again.status()).isEqualTo(ScheduleStatus.PENDING);
    assertThat(again.dueAt()).isEqualTo(T0.plusSeconds(30));
    assertThat(again.error()).isNull();
    assertThat(store.claim(r.id(), T0)).isPresent();
  }

  @Test
  void dueListsPendingRunsUpToNowOldestFirst() {
    ScheduledRun later = pending(T0.plusSeconds(120));
    ScheduledRun second = pending(T0.plusSeconds(20));
    ScheduledRun first = pending(T0.plusSeconds(10));
    ScheduledRun claimed = pending(T0);
    store.claim(claimed.id(), T0);
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

  @Test
  void batchJobsKeepTheirDefinitionStatusAndCounters() {
    BatchJob job = new BatchJob(workflow + "-job", workflow, "n", Map.of("tag", "t"), 250, 100, 3, java.time.Duration.ofSeconds(2),
        BatchJob.Status.RUNNING, 0, 0, T0, "run:r0", null);
    store.createBatch(job);
    assertThatThrownBy(() -> store.createBatch(job)).isInstanceOf(ScheduleConflictException.class);
    assertThat(store.getBatch(job.id())).contains(job);
    store.addBatchProgress(job.id(), 90, 10);
    store.addBatchProgress(job.id(), 100, 0);
    store.extendBatch(job.id(), 40);
    assertThat(store.setBatchStatus(job.id(), BatchJob.Status.PAUSED)).get().extracting(BatchJob::status).isEqualTo(BatchJob.Status.PAUSED);
    BatchJob now = store.getBatch(job.id()).orElseThrow();
    assertThat(now.done()).isEqualTo(190);
    assertThat(now.failed()).isEqualTo(10);
    assertThat(now.period()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(now.total()).isEqualTo(290);
    assertThat(now.chunks()).isEqualTo(4);
    assertThat(store.getBatch("nope")).isEmpty();
    assertThat(store.setBatchStatus("nope", BatchJob.Status.CANCELLED)).isEmpty();
    assertThat(store.get(job.id())).isEmpty();
  }
}
