package dev.backendworkflows.exceptions;

/** A pagination cursor that this store did not issue. */
public final class InvalidCursorException extends WorkflowException {
  public InvalidCursorException(String cursor) {
    super("Cursor '" + cursor + "' is not valid here: pass back a cursor exactly as a previous page returned it");
  }

  @Override
  public String code() {
    return "invalid_cursor";
  }
}
