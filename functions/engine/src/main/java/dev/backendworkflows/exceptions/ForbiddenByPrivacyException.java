package dev.backendworkflows.exceptions;

/** A step acting for an end user would do what the data schema's privacy rules do not allow that user. */
public final class ForbiddenByPrivacyException extends WorkflowException {
  /** Rule {@code rule} of {@code type} refused {@code what} (e.g. "task '01…'"). */
  public ForbiddenByPrivacyException(String type, String rule, String what) {
    this("The privacy rules of " + type + " do not let this user " + rule + " " + what + " (rule '" + rule + "' in data-schema.yaml)");
  }

  public ForbiddenByPrivacyException(String message) {
    super(message);
  }

  @Override
  public String code() {
    return "forbidden_by_privacy";
  }
}
