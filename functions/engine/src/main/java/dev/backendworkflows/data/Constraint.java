package dev.backendworkflows.data;

import java.util.Arrays;

/** One search constraint: {@code field op value}, e.g. {@code age >= 18}. */
public record Constraint(String field, Op op, Object value) {

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
