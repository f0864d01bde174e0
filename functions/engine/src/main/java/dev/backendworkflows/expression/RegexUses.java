package dev.backendworkflows.expression;

import com.dashjoin.jsonata.Jsonata;
import java.lang.reflect.Field;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Where a compiled expression may use a regular expression: only as an argument of {@code $match},
 * {@code $contains}, {@code $replace} or {@code $split}, whose bounded versions read the text
 * against the clock ({@link BoundedBuiltins}). JSONata can also apply a regex as a function
 * ({@code $r(text)}, {@code $map(list, /re/)}), which would match outside the budget; that is
 * refused when the expression is compiled, on its parsed tree. The same walk tells what an
 * expression reads ({@link #reads}).
 */
final class RegexUses {
  private static final Set<String> READERS = Set.of("match", "contains", "replace", "split");
  private static final Field AST;
  private static final Field TYPE;
  private static final Field VALUE;
  private static final Field PROCEDURE;
  private static final Field ARGUMENTS;
  private static final Field LHS;
  private static final Field POSITION;
  /** Every instance field of a parsed node: nodes hang from fields of many types (a filter's predicate from an Object). */
  private static final List<Field> FIELDS = new ArrayList<>();

  static {
    try {
      AST = accessible(Jsonata.class.getDeclaredField("ast"));
      Class<?> symbol = AST.getType();
      TYPE = accessible(symbol.getDeclaredField("type"));
      VALUE = accessible(symbol.getDeclaredField("value"));
      PROCEDURE = accessible(symbol.getDeclaredField("procedure"));
      ARGUMENTS = accessible(symbol.getDeclaredField("arguments"));
      LHS = accessible(symbol.getDeclaredField("lhs"));
      POSITION = accessible(symbol.getDeclaredField("position"));
      for (Class<?> c = symbol; c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !f.getType().isPrimitive() && f.getType() != String.class) {
            FIELDS.add(accessible(f));
          }
        }
      }
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e); // the JSONata version pinned in the build has these fields
    }
  }

  private RegexUses() {
  }

  private static Field accessible(Field f) {
    f.setAccessible(true);
    return f;
  }

  /**
   * The first misuse, or null when there is none: a regex used other than as an argument of one of
   * the text functions, or one of those names bound to something else ({@code $match := …}, a
   * lambda parameter {@code $replace}), which would make a call by that name no text function.
   */
  static String firstMisuse(List<Object> nodes) {
    try {
      Set<Object> allowed = Collections.newSetFromMap(new IdentityHashMap<>());
      for (Object node : nodes) {
        String type = (String) TYPE.get(node);
        if (("function".equals(type) || "partial".equals(type)) && readsText(PROCEDURE.get(node))) {
          List<?> args = (List<?>) ARGUMENTS.get(node);
          if (args != null) {
            args.stream().filter(a -> a != null).forEach(allowed::add);
          }
        }
        if ("bind".equals(type) && isReader(LHS.get(node))) {
          return "$" + VALUE.get(LHS.get(node)) + " is bound to something else (near character " + POSITION.get(node) + ")";
        }
        if ("lambda".equals(type) && ARGUMENTS.get(node) instanceof List<?> params) {
          for (Object param : params) {
            if (isReader(param)) {
              return "a function parameter is named $" + VALUE.get(param) + " (near character " + POSITION.get(node) + ")";
            }
          }
        }
      }
      for (Object node : nodes) {
        if ("regex".equals(TYPE.get(node)) && !allowed.contains(node)) {
          return "a regular expression (near character " + POSITION.get(node) + ") is used other than as the pattern of $match, "
              + "$contains, $replace or $split";
        }
      }
      return null;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every node of the parsed tree, however it is reached: walked once per expression, for both uses. */
  static List<Object> nodes(Jsonata compiled) {
    try {
      List<Object> nodes = new ArrayList<>();
      Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      Deque<Object> todo = new ArrayDeque<>();
      push(todo, AST.get(compiled));
      while (!todo.isEmpty()) {
        Object node = todo.pop();
        if (!seen.add(node)) {
          continue;
        }
        nodes.add(node);
        for (Field f : FIELDS) {
          walk(todo, f.get(node));
        }
      }
      return nodes;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * What the parsed tree reads, by kind: the variables it uses ({@code $steps} gives {@code steps},
   * a call of {@code $string} gives {@code string}), the ones it binds itself (lambda parameters,
   * {@code :=}), its field names, and whether it reaches values by no name at all — the context
   * {@code $}, {@code $$}, wildcards, the parent operator.
   */
  static Expression.Reads reads(List<Object> nodes) {
    try {
      Set<String> variables = new java.util.HashSet<>();
      Set<String> bound = new java.util.HashSet<>();
      Set<String> fields = new java.util.HashSet<>();
      boolean unnamed = false;
      for (Object node : nodes) {
        Object type = TYPE.get(node);
        Object value = VALUE.get(node);
        switch (String.valueOf(type)) {
          case "variable" -> {
            String name = String.valueOf(value);
            if (name.isEmpty() || name.equals("$")) {
              unnamed = true; // $ (the context) and $$ (the input)
            } else {
              variables.add(name);
            }
          }
          case "name" -> fields.add(String.valueOf(value));
          case "wildcard", "descendant", "parent" -> unnamed = true;
          case "bind" -> {
            Object lhs = LHS.get(node);
            if (lhs != null && VALUE.get(lhs) != null) {
              bound.add(String.valueOf(VALUE.get(lhs)));
            }
          }
          case "lambda" -> {
            if (ARGUMENTS.get(node) instanceof List<?> params) {
              for (Object param : params) {
                if (param != null && VALUE.get(param) != null) {
                  bound.add(String.valueOf(VALUE.get(param)));
                }
              }
            }
          }
          default -> { }
        }
      }
      return new Expression.Reads(Set.copyOf(variables), Set.copyOf(bound), Set.copyOf(fields), unnamed);
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void walk(Deque<Object> todo, Object value) {
    if (value instanceof List<?> list) {
      list.forEach(x -> walk(todo, x));
    } else if (value instanceof Object[] array) { // object constructors hold [key, value] pairs
      for (Object x : array) {
        walk(todo, x);
      }
    } else {
      push(todo, value);
    }
  }

  private static void push(Deque<Object> todo, Object x) {
    if (x != null && AST.getType().isInstance(x)) {
      todo.push(x);
    }
  }

  private static boolean isReader(Object variable) throws IllegalAccessException {
    return variable != null && AST.getType().isInstance(variable) && "variable".equals(TYPE.get(variable))
        && READERS.contains(String.valueOf(VALUE.get(variable)));
  }

  private static boolean readsText(Object procedure) throws IllegalAccessException {
    return procedure != null && "variable".equals(TYPE.get(procedure)) && READERS.contains(String.valueOf(VALUE.get(procedure)));
  }
}
