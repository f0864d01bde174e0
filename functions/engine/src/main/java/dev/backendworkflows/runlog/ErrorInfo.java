package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An error as users see it: stable code, message, the fields at fault (for input errors), and for
 * faults of our own the {@code incident} id under which the details were logged — never the details.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ErrorInfo(String code, String message, List<FieldError> fields, String incident) {
  public ErrorInfo {
    fields = fields == null ? List.of() : List.copyOf(fields);
  }

  public ErrorInfo(String code, String message, List<FieldError> fields) {
    this(code, message, fields, null);
  }

  public ErrorInfo(String code, String message) {
    this(code, message, List.of(), null);
  }

  /** One bad input field: its path ({@code tags[2]}), a code and a message. */
  public record FieldError(String field, String code, String message) {}
}
