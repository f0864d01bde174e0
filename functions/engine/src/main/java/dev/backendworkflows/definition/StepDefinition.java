package dev.backendworkflows.definition;

import dev.backendworkflows.expression.Template;
import java.util.Map;

/**
 * One step: its position, optional id (how later steps refer to its result), action, optional
 * "only when" condition, and the action's compiled arguments.
 */
public record StepDefinition(int index, String id, String action, Template when, Map<String, Template> args,
    Map<String, Object> rawArgs) {
  public StepDefinition {
    args = Map.copyOf(args);
  }

  /** The variables whose values are the same on every attempt of a run: its parameters, its start time, this step. */
  private static final java.util.Set<String> FIXED = java.util.Set.of("params", "now", "step");
  /** What a field path from the scope's root could read that a replay may see changed: results, the run (its attempt). */
  private static final java.util.Set<String> CHANGING = java.util.Set.of("steps", "run");

  /**
   * True when the step's condition and arguments read only {@code $params}, {@code $now},
   * {@code $step}, literals and pure built-in functions — judged on the parsed expressions, erring
   * towards false — so running the step again computes the same condition and the same values.
   */
  public boolean readsOnlyFixedInputs() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.ofNullable(when), args.values().stream())
        .flatMap(t -> t.expressions().stream()).allMatch(e -> e.readsOnly(FIXED, CHANGING));
  }

  /** The step's name in logs and errors: its id, or {@code #index} when it has none. */
  public String label() {
    return id != null ? id : "#" + index;
  }
}
