package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An error as users see it: stable code, message, and the fields at fault (for input errors). */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ErrorInfo(String code, String message, List<FieldError> fields) {
  public ErrorInfo {
    fields = fields == null ? List.of() : List.copyOf(fields);
  }

  public ErrorInfo(String code, String message) {
    this(code, message, List.of());
  }

  /** One bad input field: its path ({@code tags[2]}), a code and a message. */
  public record FieldError(String field, String code, String message) {}
}
