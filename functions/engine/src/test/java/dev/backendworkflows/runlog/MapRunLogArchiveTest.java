package dev.backendworkflows.runlog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;

/** {@link MapRunLog} keeping one finished run in memory: the contract holds with the rest archived. */
class MapRunLogArchiveTest extends RunLogContract {
  private final ConcurrentSkipListMap<String, String> recent = new ConcurrentSkipListMap<>();
  private final ConcurrentSkipListMap<String, String> archive = new ConcurrentSkipListMap<>();

  @Override
  protected RunLog newLog(MutableClock clock) {
    return new MapRunLog(recent, archive, 1, clock);
  }

  @Override
  protected void writeAsBeforeJournals(RunRecord r) {
    recent.put(r.runId(), Json.write(r));
  }

  private RunRecord running(String id, int second) {
    return new RunRecord(id, "wf", "v1", "api", "key:test", "test", Map.of(), RunStatus.RUNNING,
        clock.instant().plusSeconds(second), null, null, List.of(), null, null, null,
        clock.instant().plus(Duration.ofDays(7)).getEpochSecond(), 1);
  }

  private static RunRecord done(RunRecord r) {
    return r.finish(RunStatus.SUCCEEDED, r.startedAt().plusMillis(3), List.of(), null, null, Map.of("ok", true));
  }

  private void finish(String id, int second) {
    RunRecord r = running(id, second);
    assertThat(log.write(new Execution(r, null, 1, null, 1), 0)).isTrue();
    assertThat(log.write(new Execution(done(r), null, 2, null, 1), 1)).isTrue();
  }

  @Test
  void write_whenMoreFinishedRunsThanKept_movesTheOldestToTheArchiveWhereTheyStillLoad() {
    finish("a", 0);
    finish("b", 1);
    finish("c", 2);

    assertThat(recent.keySet()).containsExactly("c");
    assertThat(archive.keySet()).containsExactly("a", "b");
    assertThat(log.get("a")).get().extracting(RunRecord::status).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(log.query(new RunQuery("wf", null, 10, null)).runs()).extracting(RunRecord::runId).containsExactly("c", "b", "a");
  }

  @Test
  void write_whenRunsAreStillRunning_neverMovesThem() {
    for (String id : List.of("r1", "r2", "r3")) {
      assertThat(log.write(new Execution(running(id, 0), null, 1, null, 1), 0)).isTrue();
    }
    finish("f1", 1);
    finish("f2", 2);

    assertThat(recent.keySet()).containsExactlyInAnyOrder("r1", "r2", "r3", "f2");
    assertThat(archive.keySet()).containsExactly("f1");
  }

  @Test
  void write_whenTheIdIsArchived_refusesASecondCreateAndTakesTheNextVersionBack() {
    finish("a", 0);
    finish("b", 1);
    RunRecord a = done(running("a", 0));

    assertThat(log.write(new Execution(running("a", 0), null, 1, null, 1), 0)).as("a duplicate create").isFalse();
    assertThat(log.write(new Execution(a.reopened(), null, 5, null, 1), 4)).as("a stale version").isFalse();
    assertThat(log.write(new Execution(a.reopened(), null, 3, null, 1), 2)).as("the stored version").isTrue();

    assertThat(archive).doesNotContainKey("a");
    assertThat(log.load("a")).get().satisfies(e -> {
      assertThat(e.version()).isEqualTo(3);
      assertThat(e.record().status()).isEqualTo(RunStatus.RUNNING);
    });
  }

  @Test
  void constructor_whenTheMapHoldsFinishedRunsFromBefore_movesAllButTheNewest() {
    finish("a", 0);
    recent.put("x", Json.write(new Execution(done(running("x", -10)), null, 2, null, 1)));
    recent.put("y", Json.write(new Execution(done(running("y", 10)), null, 2, null, 1)));

    new MapRunLog(recent, archive, 1, clock);

    assertThat(recent.keySet()).containsExactly("y");
    assertThat(archive.keySet()).containsExactlyInAnyOrder("a", "x");
  }

  @Test
  void constructor_whenKeepingNone_isRefused() {
    assertThatThrownBy(() -> new MapRunLog(recent, archive, 0, clock)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keepRecent must be at least 1, got 0");
  }

  @Test
  void constructor_whenACrashLeftARunInBothMaps_keepsTheMapsCopyAndWritesGoOn() {
    // a kill -9 between a move's two steps: archiving ("a", same version in both) or bringing back
    // ("b", a newer version in the map than in the archive)
    RunRecord a = done(running("a", 0));
    recent.put("a", Json.write(new Execution(a, null, 2, null, 1)));
    archive.put("a", Json.write(new Execution(a, null, 2, null, 1)));
    RunRecord b = done(running("b", 1));
    archive.put("b", Json.write(new Execution(b, null, 2, null, 1)));
    recent.put("b", Json.write(new Execution(b.reopened(), null, 3, null, 1)));

    RunLog restarted = new MapRunLog(recent, archive, 5, clock);

    assertThat(archive).doesNotContainKeys("a", "b");
    assertThat(restarted.write(new Execution(a.reopened(), null, 3, null, 1), 2)).isTrue();
    assertThat(restarted.write(new Execution(done(b), null, 4, null, 1), 3)).isTrue();
    assertThat(restarted.load("b")).get().extracting(Execution::version).isEqualTo(4L);
  }

  @Test
  void query_forRunningRuns_readsNoArchive() {
    finish("a", 0);
    finish("b", 1);
    archive.put("poison", "not json"); // read, it would fail the query
    assertThat(log.write(new Execution(running("r", 2), null, 1, null, 1), 0)).isTrue();

    assertThat(log.query(new RunQuery(null, RunStatus.RUNNING, 10, null)).runs()).extracting(RunRecord::runId).containsExactly("r");
  }
}
