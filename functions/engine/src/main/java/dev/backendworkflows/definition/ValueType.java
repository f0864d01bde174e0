package dev.backendworkflows.definition;

import java.util.Locale;

/** The value types of parameters and data fields; each may also be a list. */
public enum ValueType {
  TEXT, NUMBER, BOOLEAN, DATE, OBJECT;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ValueType fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
