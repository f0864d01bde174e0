package dev.backendworkflows.definition;

import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a JSON value against a declared type and normalises it (dates become ISO-8601 UTC
 * instants, so they sort and compare as text). Used for parameters, defaults and field writes.
 */
public final class Values {
  private Values() {}

  /**
   * @return the normalised value; on a mismatch, adds one {@link FieldError} per bad value to
   *     {@code errors} (list items as {@code path[i]}) and returns null.
   */
  public static Object coerce(Object value, ValueType type, boolean list, String path, List<FieldError> errors) {
    if (list) {
      if (!(value instanceof List<?> items)) {
        errors.add(new FieldError(path, "wrong_type", "expected a list of " + type.wire() + ", got " + kind(value)));
        return null;
      }
      List<Object> out = new ArrayList<>(items.size());
      int before = errors.size();
      for (int i = 0; i < items.size(); i++) {
        out.add(coerce(items.get(i), type, false, path + "[" + i + "]", errors));
      }
      return errors.size() == before ? out : null;
    }
    if (type == ValueType.NUMBER && value instanceof Number n && !(n instanceof java.math.BigDecimal || n instanceof java.math.BigInteger)
        && !Double.isFinite(n.doubleValue())) { // NaN or an infinity: a number, but none a store keeps
      errors.add(new FieldError(path, "out_of_range", "is not a finite number"));
      return null;
    }
    Object normalised = switch (type) {
      case TEXT -> value instanceof String ? value : null;
      // a BigDecimal past a double's range (1e400) is still a number: checkStorable says it is out of range
      case NUMBER -> value instanceof Number n ? number(new BigDecimal(n.toString())) : null;
      case BOOLEAN -> value instanceof Boolean ? value : null;
      case OBJECT -> value instanceof Map ? value : null;
      case DATE -> value instanceof String s ? parseDate(s) : null;
    };
    if (normalised == null) {
      String expected = type == ValueType.DATE
          ? "an ISO-8601 date or date-time (2026-03-01 or 2026-03-01T09:00:00Z)" : article(type.wire());
      errors.add(new FieldError(path, "wrong_type", "expected " + expected + ", got " + describe(value)));
      return null;
    }
    int before = errors.size();
    checkStorable(normalised, path, errors);
    return errors.size() == before ? normalised : null;
  }

  /** DynamoDB's number range, kept by every store alike: 38 significant digits, magnitudes 1e-130 to under 1e126. */
  static final int MAX_DIGITS = 38;
  private static final BigDecimal MAX_MAGNITUDE = new BigDecimal("1e126");
  private static final BigDecimal MIN_MAGNITUDE = new BigDecimal("1e-130");

  /**
   * Adds an error for every value no store can keep as it is: a number outside DynamoDB's range,
   * text (or an object key) with a lone UTF-16 surrogate, which is no Unicode text at all, or
   * objects and lists nested deeper than {@link #MAX_NESTING}.
   */
  public static void checkStorable(Object value, String path, List<FieldError> errors) {
    checkStorable(value, path, errors, 0);
  }

  /**
   * How deep objects and lists may nest inside one value: DynamoDB keeps 32 levels in an item, and a
   * thing's fields are themselves a level in it, so every store keeps this many and no more.
   */
  public static final int MAX_NESTING = 30;

  private static void checkStorable(Object value, String path, List<FieldError> errors, int depth) {
    if ((value instanceof Map || value instanceof List) && depth == MAX_NESTING) {
      errors.add(new FieldError(path, "too_deep", "nests objects and lists deeper than " + MAX_NESTING + " levels (what every store keeps)"));
      return;
    }
    if (value instanceof String s) {
      if (hasLoneSurrogate(s)) {
        errors.add(new FieldError(path, "invalid_text", "contains a lone UTF-16 surrogate, which is not Unicode text"));
      }
    } else if (value instanceof Number n) {
      BigDecimal d;
      try {
        d = new BigDecimal(n.toString());
      } catch (NumberFormatException notFinite) {
        errors.add(new FieldError(path, "out_of_range", "is not a finite number"));
        return;
      }
      BigDecimal abs = d.abs();
      if (d.stripTrailingZeros().precision() > MAX_DIGITS || abs.compareTo(MAX_MAGNITUDE) >= 0
          || (abs.signum() != 0 && abs.compareTo(MIN_MAGNITUDE) < 0)) {
        errors.add(new FieldError(path, "out_of_range", "must have at most " + MAX_DIGITS + " significant digits and a magnitude "
            + "from 1e-130 to under 1e126 (what every store keeps exactly)"));
      }
    } else if (value instanceof Map<?, ?> m) {
      m.forEach((k, v) -> {
        if (hasLoneSurrogate(String.valueOf(k))) {
          errors.add(new FieldError(path, "invalid_text", "has a key with a lone UTF-16 surrogate"));
        }
        checkStorable(v, path + "." + printable(String.valueOf(k)), errors, depth + 1);
      });
    } else if (value instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        checkStorable(l.get(i), path + "[" + i + "]", errors, depth + 1);
      }
    }
  }

  /** {@code s} with every lone surrogate replaced by U+FFFD: safe to name in an error that is stored. */
  public static String printable(String s) {
    if (!hasLoneSurrogate(s)) {
      return s;
    }
    StringBuilder out = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        out.append(c).append(s.charAt(++i));
      } else {
        out.append(Character.isSurrogate(c) ? '\uFFFD' : c);
      }
    }
    return out.toString();
  }

  /** True when {@code s} has a high surrogate without its low one, or a low one without its high one. */
  public static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return true;
        }
        i++;
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code value} with every number in it — in maps and lists too — in the one representation
   * {@link #number} gives: what a store hands back is what was handed to it, whatever its encoding.
   */
  public static Object plain(Object value) {
    if (value instanceof java.math.BigInteger i) {
      return number(new BigDecimal(i));
    }
    if (value instanceof Double || value instanceof Float) {
      return number(new BigDecimal(value.toString()));
    }
    if (value instanceof BigDecimal d) {
      return number(d);
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      m.forEach((k, v) -> out.put((String) k, plain(v)));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(Values::plain).collect(java.util.stream.Collectors.toCollection(java.util.ArrayList::new));
    }
    return value;
  }

  /**
   * One representation per numeric value, as JSON parsers produce it: Integer, Long, or BigDecimal
   * without trailing zeros, so 3, 3.0 and 3.00 are the same value in every store.
   */
  public static Number number(BigDecimal d) {
    BigDecimal n = d.stripTrailingZeros();
    if (n.scale() <= 0) {
      try {
        long l = n.longValueExact();
        if (l == (int) l) {
          return Integer.valueOf((int) l);
        }
        return Long.valueOf(l);
      } catch (ArithmeticException tooLarge) {
        return n.setScale(0); // a whole number written out in digits, whatever its size
      }
    }
    return n;
  }

  private static String parseDate(String s) {
    try {
      return OffsetDateTime.parse(s).toInstant().toString();
    } catch (DateTimeParseException e) {
      try {
        return LocalDate.parse(s).atStartOfDay().toInstant(ZoneOffset.UTC).toString();
      } catch (DateTimeParseException e2) {
        try {
          return Instant.parse(s).toString();
        } catch (DateTimeParseException e3) {
          return null;
        }
      }
    }
  }

  private static String article(String wire) {
    return switch (wire) {
      case "text" -> "text";
      case "object" -> "an object";
      default -> "a " + wire;
    };
  }

  private static String describe(Object value) {
    return value instanceof String s ? "text '" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'" : kind(value);
  }

  /** The JSON kind of a value, as error messages name it. */
  public static String kind(Object value) {
    if (value == null) return "null";
    if (value instanceof String) return "text";
    if (value instanceof Number) return "a number";
    if (value instanceof Boolean) return "a boolean";
    if (value instanceof Map) return "an object";
    if (value instanceof List) return "a list";
    return value.getClass().getSimpleName();
  }
}
