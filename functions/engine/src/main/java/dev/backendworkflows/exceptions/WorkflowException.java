package dev.backendworkflows.exceptions;

/** Base of every failure the project reports to a user; {@link #code()} is the stable error code. */
public abstract class WorkflowException extends RuntimeException {
  protected WorkflowException(String message) {
    super(message);
  }

  protected WorkflowException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Stable, machine-readable error code, as in {@code {"error":{"code":…}}}. */
  public abstract String code();
}
