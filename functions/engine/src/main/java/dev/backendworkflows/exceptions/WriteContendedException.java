package dev.backendworkflows.exceptions;

/** A write kept losing to concurrent writers of the same record and gave up; trying again later may succeed. */
public final class WriteContendedException extends WorkflowException {
  public WriteContendedException(String what) {
    super(what + "; it gave up after many tries: try again");
  }

  @Override
  public String code() {
    return "write_contended";
  }
}
