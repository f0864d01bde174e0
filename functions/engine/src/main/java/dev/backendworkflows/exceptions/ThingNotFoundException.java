package dev.backendworkflows.exceptions;

/** The store holds no thing with the given type and id. */
public final class ThingNotFoundException extends WorkflowException {
  public ThingNotFoundException(String type, String id) {
    super("No thing of type '" + type + "' with id '" + id + "'");
  }

  @Override
  public String code() {
    return "thing_not_found";
  }
}
