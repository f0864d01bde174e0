package dev.backendworkflows.definition;

import java.util.Map;
import java.util.Optional;

/** Every loaded workflow by name, and the data schema they share. */
public record Workflows(Map<String, WorkflowDefinition> byName, Map<String, DataType> types) {
  public Workflows {
    byName = Map.copyOf(byName);
    types = Map.copyOf(types);
  }

  public Optional<WorkflowDefinition> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }
}
