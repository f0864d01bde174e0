package dev.backendworkflows.exceptions;

/** A write would give a unique field a value another thing of the type has. */
public final class UniqueViolationException extends WorkflowException {
  private final String field;

  public UniqueViolationException(String type, String field) {
    super("Another " + type + " has this " + field + " (" + field + " is unique); use on_conflict: return_existing to get that one");
    this.field = field;
  }

  /** The unique field that clashed. */
  public String field() {
    return field;
  }

  @Override
  public String code() {
    return "unique_violation";
  }
}
