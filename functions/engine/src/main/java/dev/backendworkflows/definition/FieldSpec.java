package dev.backendworkflows.definition;

/**
 * A field of a data type; a {@code unique} field's value belongs to at most one thing of the type;
 * an {@code index}ed field's {@code =} constraints are keyed lookups rather than scans of the type.
 */
public record FieldSpec(String name, ValueType type, boolean list, boolean unique, boolean index) {
  public FieldSpec(String name, ValueType type, boolean list) {
    this(name, type, list, false, false);
  }
}
