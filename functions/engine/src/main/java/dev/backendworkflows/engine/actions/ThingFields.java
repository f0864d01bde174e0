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

  /**
   * Checks an {@code increment}: each field a single number field of the type, not also set by
   * {@code fields} and not unique, each amount a number.
   *
   * @return the amounts, exact
   */
  static Map<String, java.math.BigDecimal> increments(DataType type, Map<String, Object> increment, Map<String, Object> set) {
    List<FieldError> errors = new ArrayList<>();
    Map<String, java.math.BigDecimal> out = new LinkedHashMap<>();
    increment.forEach((name, amount) -> {
      FieldSpec spec = type.fields().get(name);
      if (spec == null) {
        errors.add(new FieldError(name, "unknown_field", "is not a field of " + type.name()));
      } else if (spec.type() != dev.backendworkflows.definition.ValueType.NUMBER || spec.list() || spec.unique()) {
        errors.add(new FieldError(name, "not_a_counter", "is not a single, non-unique number field; only those can be incremented"));
      } else if (set.containsKey(name)) {
        errors.add(new FieldError(name, "set_and_incremented", "is both set (fields) and incremented; do one"));
      } else if (!(amount instanceof Number n) || (n instanceof Double d && !Double.isFinite(d))) {
        errors.add(new FieldError(name, "not_a_number", "must be incremented by a number, got " + (amount == null ? "nothing" : amount)));
      } else {
        int before = errors.size();
        dev.backendworkflows.definition.Values.checkStorable(n, name, errors); // the same range as any stored number
        if (errors.size() == before) {
          out.put(name, new java.math.BigDecimal(n.toString()));
        }
      }
    });
    if (!errors.isEmpty()) {
      throw new ActionException("invalid_fields", "cannot increment " + type.name() + ": "
          + String.join("; ", errors.stream().map(e -> e.field() + " " + e.message()).toList()));
    }
    return out;
  }
}
