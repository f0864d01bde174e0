package dev.backendworkflows.data;

import java.util.List;

/**
 * A search over one type: every constraint must hold. Without {@code sortField} things come in
 * creation order (their ids are time-ordered). {@code cursor} is a value a previous page returned.
 */
public record ThingQuery(String type, List<Constraint> constraints, String sortField, boolean descending,
    int limit, String cursor) {
  public static final int MAX_LIMIT = 1000;

  public ThingQuery {
    constraints = List.copyOf(constraints);
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }
}
