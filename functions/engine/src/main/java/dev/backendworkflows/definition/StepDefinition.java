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

  /**
   * Names through which a step could read what a replay may see changed: earlier steps' results, the
   * run (its attempt), and the whole scope — the context {@code $}, {@code $$} and wildcards reach
   * results without naming them.
   */
  private static final java.util.Set<String> CHANGING = java.util.Set.of("steps", "run", "", "$", "*", "**");

  /**
   * True when the step's condition and arguments read nothing a replay could see changed — only
   * {@code $params}, {@code $now}, {@code $step} and literals, judged on the parsed expressions — so
   * running the step again computes the same condition and the same values.
   */
  public boolean readsOnlyFixedInputs() {
    return java.util.stream.Stream.concat(java.util.stream.Stream.ofNullable(when), args.values().stream())
        .flatMap(t -> t.expressions().stream()).noneMatch(e -> e.names().stream().anyMatch(CHANGING::contains));
  }

  /** The step's name in logs and errors: its id, or {@code #index} when it has none. */
  public String label() {
    return id != null ? id : "#" + index;
  }
}
