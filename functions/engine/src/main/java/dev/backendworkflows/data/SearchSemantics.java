package dev.backendworkflows.data;

import dev.backendworkflows.exceptions.SearchTooBroadException;
import dev.backendworkflows.internal.Cursors;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one definition of search behaviour every {@link ThingStore} adapter shares.
 *
 * <ul>
 *   <li>A constraint on a missing field, or comparing different kinds of value (number vs text),
 *       does not hold, except {@code !=}, which holds. Numbers compare numerically, text and dates
 *       (ISO-8601 UTC) lexicographically, booleans only by {@code =} and {@code !=}.
 *   <li>Unsorted searches page in creation order and cost reads proportional to the page.
 *   <li>Sorted searches gather all matches (at most {@link #MAX_SORTED_MATCHES}), sort them (things
 *       missing the sort field last, ties in creation order), and page by offset.
 * </ul>
 *
 * Adapters feed it the matching things in creation order, starting after {@link Position#afterId()}.
 */
public final class SearchSemantics {
  public static final int MAX_SORTED_MATCHES = 10_000;

  private SearchSemantics() {}

  /** Where a cursor points: after a thing id (unsorted) or at an offset (sorted). */
  public record Position(String afterId, int offset) {
    static final Position START = new Position(null, 0);
  }

  public static Position position(ThingQuery query) {
    if (query.cursor() == null || query.cursor().isBlank()) {
      return Position.START;
    }
    Map<String, Object> c = Cursors.decode(query.cursor());
    if (query.sortField() == null && c.get("after") instanceof String after) {
      return new Position(after, 0);
    }
    if (query.sortField() != null && c.get("offset") instanceof Number n && n.intValue() >= 0) {
      return new Position(null, n.intValue());
    }
    throw new dev.backendworkflows.exceptions.InvalidCursorException(query.cursor());
  }

  /** Builds the page from matches in creation order that start after the position's id. */
  public static ThingPage page(ThingQuery query, Iterator<Thing> matchesInCreationOrder) {
    Position position = position(query);
    if (query.sortField() == null) {
      List<Thing> things = new ArrayList<>();
      while (things.size() < query.limit() && matchesInCreationOrder.hasNext()) {
        things.add(matchesInCreationOrder.next());
      }
      String cursor = matchesInCreationOrder.hasNext() && !things.isEmpty()
          ? Cursors.encode(Map.of("after", things.getLast().id())) : null;
      return new ThingPage(things, cursor);
    }
    List<Thing> all = new ArrayList<>();
    while (matchesInCreationOrder.hasNext()) {
      if (all.size() == MAX_SORTED_MATCHES) {
        throw new SearchTooBroadException(query.type(), query.sortField(), MAX_SORTED_MATCHES);
      }
      all.add(matchesInCreationOrder.next());
    }
    all.sort(order(query.sortField(), query.descending()));
    int from = Math.min(position.offset(), all.size());
    int to = Math.min(from + query.limit(), all.size());
    String cursor = to < all.size() ? Cursors.encode(Map.of("offset", to)) : null;
    return new ThingPage(all.subList(from, to), cursor);
  }

  /** True when the thing satisfies every constraint. */
  public static boolean matches(Thing thing, List<Constraint> constraints) {
    for (Constraint c : constraints) {
      if (!holds(thing.fields().get(c.field()), c.op(), c.value())) {
        return false;
      }
    }
    return true;
  }

  static boolean holds(Object actual, Constraint.Op op, Object expected) {
    Integer cmp = compare(actual, expected);
    return switch (op) {
      case EQ -> cmp != null && cmp == 0;
      case NE -> cmp == null || cmp != 0;
      case LT -> cmp != null && isOrdered(actual) && cmp < 0;
      case LTE -> cmp != null && isOrdered(actual) && cmp <= 0;
      case GT -> cmp != null && isOrdered(actual) && cmp > 0;
      case GTE -> cmp != null && isOrdered(actual) && cmp >= 0;
    };
  }

  private static boolean isOrdered(Object v) {
    return v instanceof Number || v instanceof String;
  }

  /** Compares two values of the same kind; null when either is missing or the kinds differ. */
  static Integer compare(Object a, Object b) {
    if (a == null || b == null) {
      return null;
    }
    if (a instanceof Number x && b instanceof Number y) {
      return new BigDecimal(x.toString()).compareTo(new BigDecimal(y.toString()));
    }
    if (a instanceof String x && b instanceof String y) {
      return Integer.signum(x.compareTo(y));
    }
    if (a instanceof Boolean x && b instanceof Boolean y) {
      return x.equals(y) ? 0 : 1;
    }
    if (a.getClass() == b.getClass() || (a instanceof Map && b instanceof Map) || (a instanceof List && b instanceof List)) {
      return Objects.equals(a, b) ? 0 : 1;
    }
    return null;
  }

  private static Comparator<Thing> order(String field, boolean descending) {
    Comparator<Object> values = (x, y) -> {
      Integer c = compare(x, y);
      return c == null ? x.getClass().getName().compareTo(y.getClass().getName()) : c;
    };
    if (descending) {
      values = values.reversed();
    }
    Comparator<Thing> byField = Comparator.comparing(t -> t.fields().get(field), Comparator.nullsLast(values));
    return byField.thenComparing(Thing::id);
  }
}
