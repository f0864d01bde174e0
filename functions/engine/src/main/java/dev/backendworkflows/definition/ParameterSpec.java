package dev.backendworkflows.definition;

/** A declared workflow parameter. {@code secret} values are redacted in run logs. */
public record ParameterSpec(String name, ValueType type, boolean list, boolean required, Object defaultValue,
    boolean secret) {}
