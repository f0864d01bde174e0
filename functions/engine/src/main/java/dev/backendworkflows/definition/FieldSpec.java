package dev.backendworkflows.definition;

/** A field of a data type. */
public record FieldSpec(String name, ValueType type, boolean list) {}
