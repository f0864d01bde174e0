package dev.backendworkflows.definition;

import java.util.List;
import java.util.Map;

/** A data type ("thing" type) from the data schema, with its fields. */
public record DataType(String name, Map<String, FieldSpec> fields) {
  public DataType {
    fields = Map.copyOf(fields);
  }

  /** The names of its unique fields, in name order. */
  public List<String> uniqueFields() {
    return fields.values().stream().filter(FieldSpec::unique).map(FieldSpec::name).sorted().toList();
  }

  /** The names of its indexed fields, in name order. */
  public List<String> indexedFields() {
    return fields.values().stream().filter(FieldSpec::index).map(FieldSpec::name).sorted().toList();
  }
}
