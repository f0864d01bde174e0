package dev.backendworkflows.data;

import java.util.Arrays;

/** One search constraint: {@code field op value}, e.g. {@code age >= 18}. */
public record Constraint(String field, Op op, Object value) {

  /** Constraints as definitions and stored jobs write them: maps of {@code field}, {@code op}, {@code value}. */
  public static java.util.List<Constraint> fromPlain(Object maps) {
    java.util.List<Constraint> out = new java.util.ArrayList<>();
    if (maps instanceof java.util.List<?> list) {
      for (Object o : list) {
        java.util.Map<?, ?> c = (java.util.Map<?, ?>) o;
        out.add(new Constraint((String) c.get("field"), Op.fromSymbol((String) c.get("op")), c.get("value")));
      }
    }
    return out;
  }

  /** This constraint as a plain map, the inverse of {@link #fromPlain}. */
  public java.util.Map<String, Object> toPlain() {
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("field", field);
    m.put("op", op.symbol());
    m.put("value", value);
    return m;
  }

  /** Comparison operators; {@link #symbol()} is how definitions write them. */
  public enum Op {
    EQ("="), NE("!="), LT("<"), LTE("<="), GT(">"), GTE(">=");

    private final String symbol;

    Op(String symbol) {
      this.symbol = symbol;
    }

    public String symbol() {
      return symbol;
    }

    public static Op fromSymbol(String symbol) {
      return Arrays.stream(values()).filter(op -> op.symbol.equals(symbol)).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown operator '" + symbol + "'"));
    }
  }
}
