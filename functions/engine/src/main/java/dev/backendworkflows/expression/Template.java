package dev.backendworkflows.expression;

import dev.backendworkflows.internal.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A definition value that may hold expressions, compiled once at load. A string that is exactly one
 * {@code {% … %}} yields the expression's value with its type (number, object…); a string mixing
 * text and expressions yields text; maps and lists are evaluated member by member. As in JSONata, an
 * object member whose expression yields nothing (undefined or null) is left out, while a literal
 * YAML {@code null} is kept — so {@code update_thing} clears a field only when written {@code field: null}.
 */
public sealed interface Template {
  Pattern EXPRESSION = Pattern.compile("\\{%([\\s\\S]*?)%}");

  /** Evaluates the template in the scope. */
  Object evaluate(Scope scope);

  /** Every expression inside, for load-time checks. */
  List<Expression> expressions();

  /**
   * Compiles a plain value from a definition.
   *
   * @throws dev.backendworkflows.exceptions.ExpressionException on a JSONata syntax error
   */
  static Template of(Object value) {
    if (value instanceof String s) {
      return ofString(s);
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Template> members = new LinkedHashMap<>();
      m.forEach((k, v) -> members.put(String.valueOf(k), of(v)));
      return new MapTemplate(members);
    }
    if (value instanceof List<?> l) {
      return new ListTemplate(l.stream().map(Template::of).toList());
    }
    return new Literal(value);
  }

  private static Template ofString(String s) {
    Matcher m = EXPRESSION.matcher(s);
    List<Object> parts = new ArrayList<>();
    int last = 0;
    while (m.find()) {
      if (m.start() > last) {
        parts.add(s.substring(last, m.start()));
      }
      parts.add(Expression.compile(m.group(1)));
      last = m.end();
    }
    if (parts.isEmpty()) {
      return new Literal(s);
    }
    if (last < s.length()) {
      parts.add(s.substring(last));
    }
    if (parts.size() == 1 && parts.getFirst() instanceof Expression e) {
      return new Single(e);
    }
    if (parts.stream().filter(p -> p instanceof String).allMatch(p -> ((String) p).isBlank())
        && parts.stream().filter(p -> p instanceof Expression).count() == 1) {
      return new Single((Expression) parts.stream().filter(p -> p instanceof Expression).findFirst().orElseThrow());
    }
    return new Interpolated(parts);
  }

  /** A value without expressions. */
  record Literal(Object value) implements Template {
    public Object evaluate(Scope scope) {
      return value;
    }

    public List<Expression> expressions() {
      return List.of();
    }
  }

  /** Exactly one expression: its value, with its JSON type. */
  record Single(Expression expression) implements Template {
    public Object evaluate(Scope scope) {
      return expression.evaluate(scope);
    }

    public List<Expression> expressions() {
      return List.of(expression);
    }
  }

  /** Text with embedded expressions; objects render as JSON, undefined as nothing. */
  record Interpolated(List<Object> parts) implements Template {
    public Object evaluate(Scope scope) {
      StringBuilder out = new StringBuilder();
      for (Object part : parts) {
        if (part instanceof Expression e) {
          Object v = e.evaluate(scope);
          if (v instanceof String str) {
            out.append(str);
          } else if (v != null) {
            out.append(Json.write(v));
          }
        } else {
          out.append(part);
        }
      }
      return out.toString();
    }

    public List<Expression> expressions() {
      return parts.stream().filter(p -> p instanceof Expression).map(p -> (Expression) p).toList();
    }
  }

  /** An object whose members are templates. */
  record MapTemplate(Map<String, Template> members) implements Template {
    public Object evaluate(Scope scope) {
      Map<String, Object> out = new LinkedHashMap<>();
      members.forEach((k, t) -> {
        Object v = t instanceof Single single ? single.expression().evaluateOrUndefined(scope) : t.evaluate(scope);
        if (v != Expression.UNDEFINED) {
          out.put(k, v);
        }
      });
      return out;
    }

    public List<Expression> expressions() {
      return members.values().stream().flatMap(t -> t.expressions().stream()).toList();
    }
  }

  /** A list whose items are templates. */
  record ListTemplate(List<Template> items) implements Template {
    public Object evaluate(Scope scope) {
      List<Object> out = new ArrayList<>(items.size());
      items.forEach(t -> out.add(t.evaluate(scope)));
      return out;
    }

    public List<Expression> expressions() {
      return items.stream().flatMap(t -> t.expressions().stream()).toList();
    }
  }
}
