package dev.backendworkflows.runlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.execution.Journal;
import dev.backendworkflows.execution.Lease;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link RunLog} adapter must have; each adapter's test extends this. */
public abstract class RunLogContract {
  protected final MutableClock clock = MutableClock.at("2026-03-01T09:00:00Z");
  protected RunLog log;
  /** A workflow name unique to this test, so adapters backed by a shared table stay isolated. */
  protected String workflow;

  protected abstract RunLog newLog(MutableClock clock);

  @BeforeEach
  void setUp() {
    log = newLog(clock);
    workflow = "wf-" + Ids.newId(Instant.now()).toLowerCase().substring(16);
  }

  private RunRecord run(String wf, RunStatus status, int secondsAfterStart) {
    Instant started = clock.instant().plusSeconds(secondsAfterStart);
    RunRecord r = new RunRecord(Ids.newId(started), wf, "v1", "api", "key:test", "test", Map.of("a", 1),
        RunStatus.RUNNING, started, null, null, List.of(), null, null, null, clock.instant().plus(Duration.ofDays(7)).getEpochSecond(), 1);
    return status == RunStatus.RUNNING ? r : r.finish(status, started.plusMillis(5),
        List.of(new StepRecord(0, "s", "log", true, "succeeded", 1, Map.of("ok", true), null, 1, started)), null, null, Map.of("x", 1));
  }

  private static Execution execution(RunRecord r, long version) {
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("user", Map.of("_id", "u1", "tags", List.of("a", "b")));
    results.put("missing", null);
    return new Execution(r, new Journal(Map.of("a", 1), results, List.of("big"), null, false, false, Map.of("sub", "u1"), 2),
        version, new Lease("inv-1", r.startedAt().plusSeconds(40)), 1);
  }

  private void put(RunRecord r) {
    assertThat(log.write(execution(r, 1), 0)).isTrue();
  }

  @Test
  void storedRunCanBeReadBackWithItsSteps() {
    RunRecord r = run(workflow, RunStatus.SUCCEEDED, 0);
    put(r);
    assertThat(log.get(r.runId())).contains(r);
  }

  @Test
  void storedExecutionKeepsItsJournalAndClaim() {
    RunRecord r = run(workflow, RunStatus.RUNNING, 0);
    Execution e = execution(r, 1);
    log.write(e, 0);
    Execution back = log.load(r.runId()).orElseThrow();
    assertThat(back.record()).isEqualTo(r);
    assertThat(back.version()).isEqualTo(1);
    assertThat(back.lease()).isEqualTo(e.lease());
    assertThat(back.attemptBase()).isEqualTo(1);
    assertThat(back.journal().params()).isEqualTo(Map.of("a", 1));
    assertThat(back.journal().results()).containsEntry("missing", null).containsKey("user");
    assertThat(back.journal().results().get("user")).isEqualTo(Map.of("_id", "u1", "tags", List.of("a", "b")));
    assertThat(back.journal().dropped()).containsExactly("big");
    assertThat(back.journal().user()).isEqualTo(Map.of("sub", "u1"));
    assertThat(back.journal().depth()).isEqualTo(2);
    assertThat(log.load("nope")).isEmpty();
  }

  @Test
  void writeIsConditionalOnTheStoredVersion() {
    RunRecord started = run(workflow, RunStatus.RUNNING, 0);
    assertThat(log.write(execution(started, 1), 0)).isTrue();
    assertThat(log.write(execution(started, 1), 0)).as("a second create of one id").isFalse();
    RunRecord done = started.finish(RunStatus.FAILED, started.startedAt().plusSeconds(1), List.of(),
        new ErrorInfo("boom", "it broke"), null, null);
    assertThat(log.write(execution(done, 2), 1)).isTrue();
    assertThat(log.get(started.runId())).contains(done);
    assertThat(log.write(execution(started.withAttempt(2), 2), 1)).as("a write from a stale version (a zombie)").isFalse();
    assertThat(log.get(started.runId())).contains(done);
    assertThat(log.write(execution(done, 5), 4)).as("a version never stored").isFalse();
    assertThat(log.write(execution(run(workflow, RunStatus.RUNNING, 9), 3), 2)).as("an id never stored").isFalse();
  }

  /** Why this store's engine cannot be held to serialised conditional writes, if it cannot. */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  @Test
  void ofConcurrentWritesFromOneVersionOneWins() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    RunRecord r = run(workflow, RunStatus.RUNNING, 0);
    log.write(execution(r, 1), 0);
    java.util.concurrent.atomic.AtomicInteger wins = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch start = new java.util.concurrent.CountDownLatch(1);
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
      for (int i = 0; i < 8; i++) {
        int attempt = i + 2;
        pool.submit(() -> {
          start.await();
          if (log.write(execution(r.withAttempt(attempt), 2), 1)) {
            wins.incrementAndGet();
          }
          return null;
        });
      }
      start.countDown();
    }
    assertThat(wins).hasValue(1);
  }

  /** Stores {@code r} as a version of this adapter before runs had journals and versions wrote it. */
  protected abstract void writeAsBeforeJournals(RunRecord r);

  @Test
  void aRunWrittenBeforeJournalsReadsAsVersionOneWithoutJournalAndCanBeReplaced() {
    RunRecord old = run(workflow, RunStatus.RUNNING, 0);
    writeAsBeforeJournals(old);
    Execution e = log.load(old.runId()).orElseThrow();
    assertThat(e.record()).isEqualTo(old);
    assertThat(e.version()).isEqualTo(1);
    assertThat(e.journal()).isNull();
    RunRecord ended = old.finish(RunStatus.FAILED, old.startedAt().plusSeconds(1), List.of(), new ErrorInfo("x", "y"), null, null);
    assertThat(log.write(new Execution(ended, null, 2, null, 1), 1)).isTrue();
    assertThat(log.get(old.runId())).contains(ended);
  }

  @Test
  void aRecordNearTheItemLimitIsStored() {
    RunRecord r = run(workflow, RunStatus.RUNNING, 0);
    Map<String, Object> params = Map.of("blob", "x".repeat(ItemBudget.MAX_PARAMS_BYTES - 100));
    Map<String, Object> results = new LinkedHashMap<>();
    for (int i = 0; i < 4; i++) {
      results.put("r" + i, "y".repeat(40_000));
    }
    Execution big = ItemBudget.fit(new Execution(r, new Journal(params, results, List.of(), null, false, false, null, 0), 1,
        new Lease("inv-1", r.startedAt()), 1));
    assertThat(ItemBudget.bytes(big.record()) + ItemBudget.bytes(big.journal())).isLessThanOrEqualTo(ItemBudget.BUDGET);
    assertThat(big.journal().dropped()).isNotEmpty();
    assertThat(log.write(big, 0)).isTrue();
    assertThat(log.load(r.runId()).orElseThrow().journal().params()).isEqualTo(params);
  }

  @Test
  void unknownRunIsEmpty() {
    assertThat(log.get("nope")).isEmpty();
  }

  @Test
  void queryByWorkflowIsNewestFirstAndFiltersStatus() {
    RunRecord a = run(workflow, RunStatus.SUCCEEDED, 1);
    RunRecord b = run(workflow, RunStatus.FAILED, 2);
    RunRecord c = run(workflow, RunStatus.SUCCEEDED, 3);
    RunRecord other = run(workflow + "-other", RunStatus.SUCCEEDED, 4);
    List.of(a, b, c, other).forEach(this::put);
    assertThat(log.query(new RunQuery(workflow, null, 10, null)).runs()).containsExactly(c, b, a);
    assertThat(log.query(new RunQuery(workflow, RunStatus.SUCCEEDED, 10, null)).runs()).containsExactly(c, a);
  }

  @Test
  void query_byVersion_returnsOnlyThatVersionsRunsPageByPage() {
    List<RunRecord> v2 = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      RunRecord r = run(workflow, RunStatus.SUCCEEDED, i);
      if (i % 3 == 1) {
        r = new RunRecord(r.runId(), r.workflow(), "v2", r.trigger(), r.caller(), r.stage(), r.params(), r.status(), r.startedAt(),
            r.endedAt(), r.durationMs(), r.steps(), r.error(), r.reason(), r.response(), r.expiresAt(), r.attempt());
        v2.add(r);
      }
      put(r);
    }
    List<RunRecord> seen = new ArrayList<>();
    String cursor = null;
    for (int pages = 0; pages < 20; pages++) {
      RunPage page = log.query(new RunQuery(workflow, null, "v2", 2, cursor));
      seen.addAll(page.runs());
      cursor = page.cursor();
      if (cursor == null) {
        break;
      }
    }
    assertThat(cursor).as("pages ended").isNull();
    assertThat(seen).containsExactlyElementsOf(v2.reversed());
    assertThat(log.query(new RunQuery(workflow, RunStatus.FAILED, "v2", 10, null)).runs()).isEmpty();
  }

  @Test
  void queryByStatusAlone() {
    RunRecord failed = run(workflow, RunStatus.REJECTED, 1);
    put(failed);
    put(run(workflow, RunStatus.SUCCEEDED, 2));
    assertThat(log.query(new RunQuery(null, RunStatus.REJECTED, 100, null)).runs()).contains(failed)
        .allMatch(r -> r.status() == RunStatus.REJECTED);
  }

  @Test
  void queryPagesWithCursor() {
    List<RunRecord> runs = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      runs.add(run(workflow, RunStatus.SUCCEEDED, i));
    }
    runs.forEach(this::put);
    List<RunRecord> seen = new ArrayList<>();
    String cursor = null;
    do {
      RunPage page = log.query(new RunQuery(workflow, null, 3, cursor));
      seen.addAll(page.runs());
      cursor = page.cursor();
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(runs.reversed());
  }

  @Test
  void expiredRunsAreHidden() {
    RunRecord r = run(workflow, RunStatus.SUCCEEDED, 0);
    put(r);
    clock.advance(Duration.ofDays(8));
    assertThat(log.get(r.runId())).isEmpty();
    assertThat(log.query(new RunQuery(workflow, null, 10, null)).runs()).isEmpty();
  }

  @Test
  void foreignCursorIsRejected() {
    assertThatThrownBy(() -> log.query(new RunQuery(workflow, null, 10, "garbage"))).isInstanceOf(InvalidCursorException.class);
  }
}
