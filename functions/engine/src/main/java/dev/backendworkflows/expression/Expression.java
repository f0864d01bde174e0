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

  /**
   * What an expression reads, from its parsed tree: the variables it uses and those it binds itself,
   * its field names, and whether it reaches values by no name ({@code $}, {@code $$}, wildcards,
   * the parent operator).
   */
  public record Reads(java.util.Set<String> variables, java.util.Set<String> bound, java.util.Set<String> fields, boolean unnamed) {}

  /**
   * JSONata's built-in functions whose result depends on their arguments alone: not {@code $millis},
   * {@code $now}, {@code $random} or {@code $shuffle}, and not {@code $eval} (not available here).
   */
  public static final java.util.Set<String> PURE_FUNCTIONS = java.util.Set.of("string", "length", "substring", "substringBefore",
      "substringAfter", "uppercase", "lowercase", "trim", "pad", "contains", "split", "join", "match", "replace", "base64encode",
      "base64decode", "encodeUrlComponent", "encodeUrl", "decodeUrlComponent", "decodeUrl", "formatNumber", "formatBase",
      "formatInteger", "parseInteger", "number", "abs", "floor", "ceil", "round", "power", "sqrt", "sum", "max", "min", "average",
      "count", "boolean", "not", "exists", "append", "sort", "reverse", "distinct", "zip", "keys", "lookup", "spread", "merge",
      "sift", "each", "error", "assert", "type", "map", "filter", "single", "reduce", "fromMillis", "toMillis");

  private final Reads reads;

  private Expression(String source, Jsonata compiled, Reads reads) {
    this.source = source;
    this.reads = reads;
    idle.add(compiled);
  }

  /** What it reads ({@link Reads}). */
  public Reads reads() {
    return reads;
  }

  /**
   * True when the expression reads nothing but the variables {@code inputs}, values it binds itself
   * and {@link #PURE_FUNCTIONS} — no other variable, no field path from the scope's root named
   * {@code rootFieldsRead}, nothing reached by no name — so evaluating it again on the same inputs
   * gives the same value.
   */
  public boolean readsOnly(java.util.Set<String> inputs, java.util.Set<String> rootFieldsRead) {
    return !reads.unnamed() && reads.fields().stream().noneMatch(rootFieldsRead::contains)
        && reads.variables().stream().allMatch(v -> inputs.contains(v) || PURE_FUNCTIONS.contains(v)
            || reads.bound().contains(v) && !rootFieldsRead.contains(v));
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
    java.util.List<Object> tree = RegexUses.nodes(compiled);
    String misuse = RegexUses.firstMisuse(tree);
    if (misuse != null) {
      throw new ExpressionException("in '" + source.strip() + "' " + misuse + "; regular expressions run within the expression's "
          + "time budget only as the patterns of $match, $contains, $replace and $split", null);
    }
    return new Expression(source, compiled, RegexUses.reads(tree));
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
