package dev.backendworkflows.definition;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every loaded workflow by name, the data schema they share, and the warnings loading found (things
 * that run but are likely mistakes, e.g. end users reaching a type without privacy rules).
 */
public record Workflows(Map<String, WorkflowDefinition> byName, Map<String, DataType> types, List<DefinitionError> warnings) {
  public Workflows {
    byName = Map.copyOf(byName);
    types = Map.copyOf(types);
    warnings = List.copyOf(warnings);
  }

  public Workflows(Map<String, WorkflowDefinition> byName, Map<String, DataType> types) {
    this(byName, types, List.of());
  }

  public Optional<WorkflowDefinition> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }
}
