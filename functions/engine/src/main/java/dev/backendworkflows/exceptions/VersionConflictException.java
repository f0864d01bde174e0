package dev.backendworkflows.exceptions;

/** A change made only at a version ({@code if_version}) found the thing at another. */
public final class VersionConflictException extends WorkflowException {
  public VersionConflictException(String type, String id, long expected, long actual) {
    super("The " + type + " '" + id + "' is at version " + actual + ", not " + expected
        + " (if_version): it changed since it was read; read it again and decide anew");
  }

  @Override
  public String code() {
    return "version_conflict";
  }
}
