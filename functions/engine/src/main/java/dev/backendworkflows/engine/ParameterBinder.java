package dev.backendworkflows.engine;

import dev.backendworkflows.definition.ParameterSpec;
import dev.backendworkflows.definition.Values;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Binds a caller's JSON object to a workflow's declared parameters: required, defaults, types
 * (dates normalised to UTC), and no undeclared names — a typo'd parameter is an error, not ignored.
 */
public final class ParameterBinder {
  private ParameterBinder() {}

  /** @throws InvalidInputException naming every bad field at once */
  public static Map<String, Object> bind(WorkflowDefinition wf, Map<String, Object> input) {
    List<FieldError> errors = new ArrayList<>();
    Map<String, Object> bound = new LinkedHashMap<>();
    for (ParameterSpec p : wf.parameters().values()) {
      Object value = input.get(p.name());
      if (value == null) {
        if (p.required()) {
          errors.add(new FieldError(p.name(), "required", "is required (" + p.type().wire() + (p.list() ? " list" : "") + ")"));
        } else if (p.defaultValue() != null) {
          bound.put(p.name(), p.defaultValue());
        }
        continue;
      }
      Object v = Values.coerce(value, p.type(), p.list(), p.name(), errors);
      if (v != null) {
        bound.put(p.name(), v);
      }
    }
    for (String name : wf.ignoreExtraParameters() ? java.util.Set.<String>of() : input.keySet()) {
      if (Values.hasLoneSurrogate(name)) { // no store keeps such a name, not even in the rejected run's error
        errors.add(new FieldError(Values.printable(name), "invalid_text", "is not a parameter name: it has a lone UTF-16 surrogate"));
      } else if (!wf.parameters().containsKey(name)) {
        errors.add(new FieldError(name, "unknown_parameter", "is not a parameter of " + wf.name() + " (parameters: "
            + (wf.parameters().isEmpty() ? "none" : String.join(", ", wf.parameters().keySet())) + ")"));
      }
    }
    if (!errors.isEmpty()) {
      throw new InvalidInputException(errors);
    }
    return bound;
  }

  /** The parameters as the run log keeps them: secret ones replaced by {@code "***"}. */
  public static Map<String, Object> redact(WorkflowDefinition wf, Map<String, Object> params) {
    Map<String, Object> out = new LinkedHashMap<>(params);
    wf.parameters().values().stream().filter(ParameterSpec::secret).forEach(p -> out.computeIfPresent(p.name(), (k, v) -> "***"));
    return out;
  }
}
