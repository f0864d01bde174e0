package dev.backendworkflows.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The benchmark measures what it says: its workflows load and a run of each size succeeds with its steps. */
class EngineBenchmarkTest {
  @Test
  void run_ofEachSize_succeedsWithThatManySteps() {
    for (int steps : new int[] {1, 10, 50}) {
      EngineBenchmark bench = new EngineBenchmark();
      bench.steps = steps;
      bench.setUp();
      assertThat(bench.run().record().steps()).hasSize(steps);
    }
  }
}
