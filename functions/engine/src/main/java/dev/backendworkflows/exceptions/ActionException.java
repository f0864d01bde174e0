package dev.backendworkflows.exceptions;

/** A step's action could not do its work; the run fails with this code and message. */
public final class ActionException extends WorkflowException {
  private final String code;

  public ActionException(String code, String message) {
    super(message);
    this.code = code;
  }

  public ActionException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  @Override
  public String code() {
    return code;
  }
}
