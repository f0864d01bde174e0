package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.definition.FieldSpec;
import dev.backendworkflows.definition.Values;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Checks field values against the data schema before any write. */
final class ThingFields {
  private ThingFields() {}

  /** @return normalised values (null kept: it clears the field on update) */
  static Map<String, Object> check(DataType type, Map<String, Object> fields) {
    List<FieldError> errors = new ArrayList<>();
    Map<String, Object> out = new LinkedHashMap<>();
    fields.forEach((name, value) -> {
      FieldSpec spec = type.fields().get(name);
      if (spec == null) {
        errors.add(new FieldError(name, "unknown_field", "is not a field of " + type.name()));
      } else if (value == null) {
        out.put(name, null);
      } else {
        Object v = Values.coerce(value, spec.type(), spec.list(), name, errors);
        if (v != null) {
          out.put(name, v);
        }
      }
    });
    if (!errors.isEmpty()) {
      throw new ActionException("invalid_fields", "cannot write " + type.name() + ": "
          + String.join("; ", errors.stream().map(e -> e.field() + " " + e.message()).toList()));
    }
    return out;
  }
}
