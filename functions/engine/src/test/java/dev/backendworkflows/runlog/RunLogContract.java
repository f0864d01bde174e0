package dev.backendworkflows.runlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
        RunStatus.RUNNING, started, null, null, List.of(), null, null, null, clock.instant().plus(Duration.ofDays(7)).getEpochSecond());
    return status == RunStatus.RUNNING ? r : r.finish(status, started.plusMillis(5),
        List.of(new StepRecord(0, "s", "log", true, "succeeded", 1, Map.of("ok", true), null)), null, null, Map.of("x", 1));
  }

  @Test
  void storedRunCanBeReadBackWithItsSteps() {
    RunRecord r = run(workflow, RunStatus.SUCCEEDED, 0);
    log.put(r);
    assertThat(log.get(r.runId())).contains(r);
  }

  @Test
  void laterPutReplacesTheRun() {
    RunRecord started = run(workflow, RunStatus.RUNNING, 0);
    log.put(started);
    RunRecord done = started.finish(RunStatus.FAILED, started.startedAt().plusSeconds(1), List.of(),
        new ErrorInfo("boom", "it broke"), null, null);
    log.put(done);
    assertThat(log.get(started.runId())).contains(done);
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
    List.of(a, b, c, other).forEach(log::put);
    assertThat(log.query(new RunQuery(workflow, null, 10, null)).runs()).containsExactly(c, b, a);
    assertThat(log.query(new RunQuery(workflow, RunStatus.SUCCEEDED, 10, null)).runs()).containsExactly(c, a);
  }

  @Test
  void queryByStatusAlone() {
    RunRecord failed = run(workflow, RunStatus.REJECTED, 1);
    log.put(failed);
    log.put(run(workflow, RunStatus.SUCCEEDED, 2));
    assertThat(log.query(new RunQuery(null, RunStatus.REJECTED, 100, null)).runs()).contains(failed)
        .allMatch(r -> r.status() == RunStatus.REJECTED);
  }

  @Test
  void queryPagesWithCursor() {
    List<RunRecord> runs = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      runs.add(run(workflow, RunStatus.SUCCEEDED, i));
    }
    runs.forEach(log::put);
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
    log.put(r);
    clock.advance(Duration.ofDays(8));
    assertThat(log.get(r.runId())).isEmpty();
    assertThat(log.query(new RunQuery(workflow, null, 10, null)).runs()).isEmpty();
  }

  @Test
  void foreignCursorIsRejected() {
    assertThatThrownBy(() -> log.query(new RunQuery(workflow, null, 10, "garbage"))).isInstanceOf(InvalidCursorException.class);
  }
}
