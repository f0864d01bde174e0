package dev.backendworkflows.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scale runs measure what they say, at a size a build can afford: each phase checks its own outcome. */
class ScaleRunsTest {
  private final ScaleRuns bench = new ScaleRuns(Path.of("workflows"));

  @Test
  void dueRuns_fireEveryScheduledRunOnce() throws Exception {
    Map<String, Object> figures = bench.dueRuns(30);
    assertThat(figures).containsEntry("runs", 30);
    assertThat((Long) figures.get("scheduler_runs_per_s")).isPositive();
  }

  @Test
  void searchThenBatch_findsOneItemPerSearchAndRunsEveryItem() throws Exception {
    List<Map<String, Object>> figures = bench.searchThenBatch(new int[] {10, 40}, 5, 60);
    assertThat(figures).hasSize(3);
    assertThat(figures.get(1)).containsEntry("things", 40).containsKeys("indexed_field", "field_without_index", "one_step_run");
    assertThat(figures.get(2)).containsEntry("items", 60);
  }
}
