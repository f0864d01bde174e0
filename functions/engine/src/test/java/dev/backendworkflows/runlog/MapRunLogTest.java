package dev.backendworkflows.runlog;

import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.testutils.MutableClock;

class MapRunLogTest extends RunLogContract {
  private final java.util.concurrent.ConcurrentSkipListMap<String, String> map = new java.util.concurrent.ConcurrentSkipListMap<>();

  @Override
  protected RunLog newLog(MutableClock clock) {
    return new MapRunLog(map, clock);
  }

  @Override
  protected void writeAsBeforeJournals(RunRecord r) {
    map.put(r.runId(), dev.backendworkflows.internal.Json.write(r));
  }

  @org.junit.jupiter.api.Test
  void anItemOverTheDynamoDbLimitIsRefusedAsDynamoDbRefusesIt() {
    RunRecord r = new RunRecord("big", "wf", "v1", "api", "k", "test", java.util.Map.of(), RunStatus.RUNNING,
        clock.instant(), null, null, java.util.List.of(), null, null, null, 0, 1);
    var journal = new dev.backendworkflows.execution.Journal(java.util.Map.of("x", "y".repeat(500_000)), null, null, null, false,
        false, null, 0);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> log.write(new dev.backendworkflows.execution.Execution(r, journal, 1,
        null, 1), 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("400 KB");
  }
}
