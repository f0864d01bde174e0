package dev.backendworkflows.exceptions;

import dev.backendworkflows.definition.DefinitionError;
import java.util.List;
import java.util.stream.Collectors;

/** Definitions failed to load; the message lists every error as {@code file: path: reason}, one a line. */
public final class DefinitionException extends WorkflowException {
  private final List<DefinitionError> errors;

  public DefinitionException(List<DefinitionError> errors) {
    super(errors.size() + " definition error(s):\n"
        + errors.stream().map(DefinitionError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public List<DefinitionError> errors() {
    return errors;
  }

  @Override
  public String code() {
    return "invalid_definition";
  }
}
