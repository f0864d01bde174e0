package dev.backendworkflows.exceptions;

import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import java.util.List;

/** Input parameters did not match the workflow's declaration; {@link #fields()} names each bad one. */
public final class InvalidInputException extends WorkflowException {
  private final List<FieldError> fields;

  public InvalidInputException(List<FieldError> fields) {
    super(fields.size() == 1 ? "Parameter '" + fields.getFirst().field() + "' " + fields.getFirst().message()
        : fields.size() + " parameters are invalid: " + String.join(", ", fields.stream().map(FieldError::field).toList()));
    this.fields = List.copyOf(fields);
  }

  public List<FieldError> fields() {
    return fields;
  }

  @Override
  public String code() {
    return "invalid_parameters";
  }
}
