package dev.backendworkflows.definition;

/** One problem in one definition file, printed as {@code file: path: reason}. */
public record DefinitionError(String file, String path, String reason) {
  @Override
  public String toString() {
    return file + ": " + path + ": " + reason;
  }
}
