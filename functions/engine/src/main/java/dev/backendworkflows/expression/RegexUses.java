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
 * refused when the expression is compiled, on its parsed tree.
 */
final class RegexUses {
  private static final Set<String> READERS = Set.of("match", "contains", "replace", "split");
  private static final Field AST;
  private static final Field TYPE;
  private static final Field VALUE;
  private static final Field PROCEDURE;
  private static final Field ARGUMENTS;
  private static final Field POSITION;
  /** Every field of a parsed node that holds nodes, parents and ancestors aside. */
  private static final List<Field> CHILDREN = new ArrayList<>();

  static {
    try {
      AST = accessible(Jsonata.class.getDeclaredField("ast"));
      Class<?> symbol = AST.getType();
      TYPE = accessible(symbol.getDeclaredField("type"));
      VALUE = accessible(symbol.getDeclaredField("value"));
      PROCEDURE = accessible(symbol.getDeclaredField("procedure"));
      ARGUMENTS = accessible(symbol.getDeclaredField("arguments"));
      POSITION = accessible(symbol.getDeclaredField("position"));
      Set<String> notChildren = Set.of("seekingParent", "ancestor", "nextFunction", "slot", "tuple", "focus", "input",
          "environment", "expr", "token", "error", "signature", "name", "index");
      for (Field f : symbol.getDeclaredFields()) {
        if (!java.lang.reflect.Modifier.isStatic(f.getModifiers()) && !notChildren.contains(f.getName())
            && (f.getType() == symbol || List.class.isAssignableFrom(f.getType()))) {
          CHILDREN.add(accessible(f));
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

  /** The position (0-based character offset) of the first regex used otherwise, or -1 when every use is allowed. */
  static int firstMisuse(Jsonata compiled) {
    try {
      Object root = AST.get(compiled);
      Set<Object> allowed = Collections.newSetFromMap(new IdentityHashMap<>());
      Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
      Deque<Object> todo = new ArrayDeque<>();
      if (root != null) {
        todo.push(root);
      }
      while (!todo.isEmpty()) {
        Object node = todo.pop();
        if (!seen.add(node)) {
          continue;
        }
        String type = (String) TYPE.get(node);
        if ("regex".equals(type) && !allowed.contains(node)) {
          return (int) POSITION.get(node);
        }
        if (("function".equals(type) || "partial".equals(type)) && readsText(PROCEDURE.get(node))) {
          @SuppressWarnings("unchecked")
          List<Object> args = (List<Object>) ARGUMENTS.get(node);
          if (args != null) {
            args.stream().filter(a -> a != null).forEach(allowed::add);
          }
        }
        for (Field f : CHILDREN) {
          Object child = f.get(node);
          if (child instanceof List<?> list) {
            for (Object x : list) {
              if (x instanceof Object[] pair) { // object constructors hold [key, value] pairs
                for (Object y : pair) {
                  push(todo, y);
                }
              } else {
                push(todo, x);
              }
            }
          } else {
            push(todo, child);
          }
        }
      }
      return -1;
    } catch (IllegalAccessException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void push(Deque<Object> todo, Object x) {
    if (x != null && AST.getType().isInstance(x)) {
      todo.push(x);
    }
  }

  private static boolean readsText(Object procedure) throws IllegalAccessException {
    return procedure != null && "variable".equals(TYPE.get(procedure)) && READERS.contains(String.valueOf(VALUE.get(procedure)));
  }
}
