package dev.backendworkflows.definition;

import java.util.Map;

/** A data type ("thing" type) from the data schema, with its fields. */
public record DataType(String name, Map<String, FieldSpec> fields) {
  public DataType {
    fields = Map.copyOf(fields);
  }
}
