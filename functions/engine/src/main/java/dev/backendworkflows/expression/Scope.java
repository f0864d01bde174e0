package dev.backendworkflows.expression;

import java.util.HashMap;
import java.util.Map;

/**
 * What an expression can see: {@code $params}, {@code $steps}, {@code $run}, {@code $now} (the run's
 * start time, ISO-8601 UTC, fixed for the whole run) and, inside a step's arguments, {@code $step}
 * (its {@code index}, {@code id} and the {@code idempotency_key} an {@code api_call} sends). The same
 * values are the input, so {@code params.x} works too.
 */
public record Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now,
    Map<String, Object> step) {

  public Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now) {
    this(params, steps, run, now, null);
  }

  /** This scope inside one step's arguments. */
  public Scope withStep(Map<String, Object> newStep) {
    return new Scope(params, steps, run, now, newStep);
  }

  Map<String, Object> bindings() {
    Map<String, Object> b = new HashMap<>(Map.of("params", params, "steps", steps, "run", run, "now", now));
    if (step != null) {
      b.put("step", step);
    }
    return b;
  }

  Object input() {
    return bindings();
  }
}
