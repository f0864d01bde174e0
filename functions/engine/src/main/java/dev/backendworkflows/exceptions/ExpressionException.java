package dev.backendworkflows.exceptions;

/** A JSONata expression failed to compile or to evaluate; the message names the expression. */
public final class ExpressionException extends WorkflowException {
  public ExpressionException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public String code() {
    return "expression_error";
  }
}
