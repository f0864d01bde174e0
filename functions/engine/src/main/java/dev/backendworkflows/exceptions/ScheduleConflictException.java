package dev.backendworkflows.exceptions;

/** A scheduled run with this id already exists; a create never overwrites. */
public final class ScheduleConflictException extends WorkflowException {
  public ScheduleConflictException(String id) {
    super("A scheduled run with id '" + id + "' already exists");
  }

  @Override
  public String code() {
    return "schedule_conflict";
  }
}
