package dev.backendworkflows.expression;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import dev.backendworkflows.definition.Values;
import dev.backendworkflows.exceptions.ExpressionException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One compiled JSONata expression (the text inside {@code {% … %}}). */
public final class Expression {
  private final String source;
  /**
   * Compiled copies, one per concurrent evaluation: a compiled JSONata expression keeps state while
   * it evaluates, so each evaluation takes a copy of its own (compiling another when all are busy)
   * rather than a lock — one slow evaluation never holds up the others.
   */
  private final java.util.concurrent.ConcurrentLinkedQueue<Jsonata> idle = new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** The variables and field names it reads, from its parsed tree ({@link RegexUses#names}). */
  private final java.util.Set<String> names;

  private Expression(String source, Jsonata compiled) {
    this.source = source;
    this.names = RegexUses.names(compiled);
    idle.add(compiled);
  }

  /**
   * The names the expression reads, from its parsed tree: variables without their {@code $}
   * ({@code params}, {@code steps}, built-ins such as {@code string}; "" for the context {@code $},
   * {@code $} for {@code $$}), field names, and {@code *} / {@code **} for wildcards. What it reads
   * of its scope is named here, or reached through "", {@code $}, {@code *} or {@code **}.
   */
  public java.util.Set<String> names() {
    return names;
  }

  /** @throws ExpressionException with the JSONata message and position when the syntax is wrong. */
  public static Expression compile(String source) {
    Jsonata compiled;
    try {
      compiled = Jsonata.jsonata(source);
    } catch (JException e) {
      throw new ExpressionException("JSONata syntax error in '" + source.strip() + "': " + describe(e), e);
    } catch (RuntimeException e) { // the parser's own failure on some malformed input: its message says nothing useful
      throw new ExpressionException("JSONata cannot compile '" + source.strip() + "': check its syntax", e);
    }
    String misuse = RegexUses.firstMisuse(compiled);
    if (misuse != null) {
      throw new ExpressionException("in '" + source.strip() + "' " + misuse + "; regular expressions run within the expression's "
          + "time budget only as the patterns of $match, $contains, $replace and $split", null);
    }
    return new Expression(source, compiled);
  }

  private Jsonata take() {
    Jsonata j = idle.poll();
    return j != null ? j : Jsonata.jsonata(source);
  }

  public String source() {
    return source;
  }

  /** Marks a JSONata "undefined" result where it must be told apart from null. */
  static final Object UNDEFINED = new Object();

  /** Evaluates against the scope; JSONata's "undefined" comes back as null. */
  public Object evaluate(Scope scope) {
    Object v = evaluateOrUndefined(scope);
    return v == UNDEFINED ? null : v;
  }

  /** Like {@link #evaluate} but returns {@link #UNDEFINED} for undefined, so null stays a value. */
  Object evaluateOrUndefined(Scope scope) {
    Jsonata compiled = take();
    Jsonata.Frame frame = compiled.createFrame();
    EvaluationBudget budget = EvaluationBudget.start(frame);
    try {
      scope.bindings().forEach(frame::bind);
      Object result = compiled.evaluate(scope.input(), frame);
      return result == null ? UNDEFINED : plain(result);
    } catch (JException e) {
      throw new ExpressionException("cannot evaluate '" + source.strip() + "': " + describe(e), e);
    } catch (RuntimeException e) { // not JSONata's own error: its message could name our classes, so it is logged instead
      EvaluationBudget.Exceeded exceeded = exceeded(e);
      if (exceeded != null) { // passed through a built-in that wraps what its callbacks throw ($sort's comparator)
        throw new ExpressionException("cannot evaluate '" + source.strip() + "': " + exceeded.getMessage(), e);
      }
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof OutOfMemoryError || t instanceof StackOverflowError) { // wrapped by a built-in
          throw new ExpressionException("cannot evaluate '" + source.strip() + "': it needs more memory or nesting than the "
              + "function has", null);
        }
      }
      String incident = dev.backendworkflows.internal.Incidents.record("expression failed unexpectedly", e,
          java.util.Map.of("expression", source.strip()));
      throw new ExpressionException("cannot evaluate '" + source.strip() + "' (incident " + incident + ")", e);
    } catch (StackOverflowError e) { // deep nesting inside one built-in; the depth budget stops JSONata's own nesting first
      throw new ExpressionException("cannot evaluate '" + source.strip() + "': it nests too deeply", null);
    } catch (OutOfMemoryError e) { // what it built is garbage now: the step fails, not the function
      throw new ExpressionException("cannot evaluate '" + source.strip() + "': it needs more memory than the function has", null);
    } finally {
      budget.end();
      idle.add(compiled);
    }
  }

  private static EvaluationBudget.Exceeded exceeded(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof EvaluationBudget.Exceeded x) {
        return x;
      }
    }
    return null;
  }

  /** Converts JSONata's results to plain JSON values: its null marker, sequences, one number representation. */
  static Object plain(Object v) {
    if (v == null || v == Jsonata.NULL_VALUE) {
      return null;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, val) -> out.put(String.valueOf(k), plain(val)));
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>(l.size());
      l.forEach(x -> out.add(plain(x)));
      return out;
    }
    if (v instanceof Double d && Double.isFinite(d)) {
      return Values.number(BigDecimal.valueOf(d));
    }
    if (v instanceof Number n && !(v instanceof Double) && !(v instanceof Float)) {
      return Values.number(new BigDecimal(n.toString()));
    }
    return v;
  }

  private static String describe(JException e) {
    String m = e.getMessage();
    return m == null ? e.getError() : m;
  }
}
