package dev.backendworkflows.definition;

/** A field of a data type; a {@code unique} field's value belongs to at most one thing of the type. */
public record FieldSpec(String name, ValueType type, boolean list, boolean unique) {
  public FieldSpec(String name, ValueType type, boolean list) {
    this(name, type, list, false);
  }
}
