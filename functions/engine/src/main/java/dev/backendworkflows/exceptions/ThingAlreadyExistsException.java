package dev.backendworkflows.exceptions;

/** A create met an existing thing with the same type and id. */
public final class ThingAlreadyExistsException extends WorkflowException {
  public ThingAlreadyExistsException(String type, String id) {
    super("A thing of type '" + type + "' with id '" + id + "' already exists");
  }

  @Override
  public String code() {
    return "thing_already_exists";
  }
}
