package dev.backendworkflows.expression;

import java.util.Map;

/**
 * What an expression can see: {@code $params}, {@code $steps}, {@code $run}, {@code $now} (the run's
 * start time, ISO-8601 UTC, fixed for the whole run). The same values are the input, so
 * {@code params.x} works too.
 */
public record Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now) {

  Map<String, Object> bindings() {
    return Map.of("params", params, "steps", steps, "run", run, "now", now);
  }

  Object input() {
    return Map.of("params", params, "steps", steps, "run", run, "now", now);
  }
}
