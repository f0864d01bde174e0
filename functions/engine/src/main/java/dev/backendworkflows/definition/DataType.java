package dev.backendworkflows.definition;

import java.util.List;
import java.util.Map;

/** A data type ("thing" type) from the data schema, with its fields and privacy rules (null when it has none). */
public record DataType(String name, Map<String, FieldSpec> fields, PrivacyRules privacy) {
  public DataType {
    fields = Map.copyOf(fields);
  }

  /** A type without privacy rules. */
  public DataType(String name, Map<String, FieldSpec> fields) {
    this(name, fields, null);
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
