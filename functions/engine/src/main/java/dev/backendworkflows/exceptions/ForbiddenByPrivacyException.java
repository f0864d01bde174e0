package dev.backendworkflows.exceptions;

/** A data step acting for an end user would do what the type's privacy rules do not allow that user. */
public final class ForbiddenByPrivacyException extends WorkflowException {
  public ForbiddenByPrivacyException(String type, String rule, String what) {
    super("The privacy rules of " + type + " do not let this user " + rule + " " + what + " (rule '" + rule + "' in data-schema.yaml)");
  }

  @Override
  public String code() {
    return "forbidden_by_privacy";
  }
}
