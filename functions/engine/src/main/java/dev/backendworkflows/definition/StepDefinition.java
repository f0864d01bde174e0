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

  /** The step's name in logs and errors: its id, or {@code #index} when it has none. */
  public String label() {
    return id != null ? id : "#" + index;
  }
}
