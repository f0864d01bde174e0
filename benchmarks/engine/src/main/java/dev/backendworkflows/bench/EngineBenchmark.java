package dev.backendworkflows.bench;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.RunStatus;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine alone, on its in-memory stores (the local runner's adapters without their files): one
 * API run of a workflow of {@code steps} steps — each a {@code create_thing} whose text is an
 * expression over the parameters, the last a {@code return} — from binding to the end write. Per
 * step is the run's time divided by its steps. Run with {@code -prof gc} for bytes allocated per run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBenchmark {
  @Param({"1", "10", "50"})
  public int steps;

  private WorkflowEngine engine;
  private final Map<String, Object> params = Map.of("text", "hello", "n", 3);

  /** The workflow: {@code steps - 1} creates, then a return (a 1-step workflow is the return alone). */
  static String workflow(int steps) {
    StringBuilder yaml = new StringBuilder("""
        name: bench
        trigger: { api: {} }
        parameters:
          text: { type: text, required: true }
          n: { type: number, required: true }
        steps:
        """);
    for (int i = 1; i < steps; i++) {
      yaml.append("  - { action: create_thing, type: note, fields: { text: \"{% $params.text & ' ' & $string($params.n * ")
          .append(i).append(") %}\" } }\n");
    }
    yaml.append("  - { action: return, data: { text: \"{% $uppercase($params.text) %}\", steps: ").append(steps).append(" } }\n");
    return yaml.toString();
  }

  /** Fresh stores each iteration, so a run's cost does not grow with the runs before it. */
  @Setup(Level.Iteration)
  public void setUp() {
    Workflows workflows = new DefinitionLoader().load(Map.of(DefinitionLoader.DATA_SCHEMA_FILE,
        "types:\n  note:\n    fields:\n      text: { type: text }\n", "bench.yaml", workflow(steps)));
    engine = new WorkflowEngine(workflows, Services.inMemory(Clock.systemUTC(), "bench"), ActionRegistry.builtIn());
  }

  /** One run, its structured log lines left out (stdout would measure the terminal, not the engine). */
  @Benchmark
  public RunOutcome run() {
    RunOutcome[] ran = new RunOutcome[1];
    StructuredLog.muted(() -> ran[0] = engine.run(new RunRequest("bench", params, "api", "bench")));
    RunOutcome outcome = ran[0];
    if (outcome.record().status() != RunStatus.SUCCEEDED) {
      throw new IllegalStateException("the benchmark's run did not succeed: " + outcome.record().error());
    }
    return outcome;
  }
}
