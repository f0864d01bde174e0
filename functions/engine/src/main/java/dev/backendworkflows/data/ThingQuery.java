package dev.backendworkflows.data;

import java.util.List;
import java.util.function.Predicate;

/**
 * A search over one type: every constraint must hold. Without {@code sortField} things come in
 * creation order (their ids are time-ordered). {@code cursor} is a value a previous page returned.
 * With {@code index} the store reads only the things listed under that index (see
 * {@link ThingWrite.AddToIndex}), in creation order, instead of every thing of the type; the
 * result is the same, as long as every thing a constraint finds is listed there. With
 * {@code visible}, only things it accepts count as found (the reader's privacy rules); pages and
 * cursors are over those.
 */
public record ThingQuery(String type, List<Constraint> constraints, String sortField, boolean descending,
    int limit, String cursor, String index, Predicate<Thing> visible) {
  public static final int MAX_LIMIT = 1000;

  public ThingQuery {
    constraints = List.copyOf(constraints);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  /** A search that reads the whole type. */
  public ThingQuery(String type, List<Constraint> constraints, String sortField, boolean descending, int limit, String cursor) {
    this(type, constraints, sortField, descending, limit, cursor, null, null);
  }

  /** A search served by {@code index} (null: the whole type). */
  public ThingQuery(String type, List<Constraint> constraints, String sortField, boolean descending, int limit, String cursor,
      String index) {
    this(type, constraints, sortField, descending, limit, cursor, index, null);
  }

  /** This search, served by {@code index}. */
  public ThingQuery withIndex(String index) {
    return new ThingQuery(type, constraints, sortField, descending, limit, cursor, index, visible);
  }

  /** Whether {@code thing} is found: every constraint holds and, when there is a {@code visible} test, it passes. */
  public boolean finds(Thing thing) {
    return SearchSemantics.matches(thing, constraints) && (visible == null || visible.test(thing));
  }
}
