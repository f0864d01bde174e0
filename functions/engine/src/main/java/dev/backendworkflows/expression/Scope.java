package dev.backendworkflows.expression;

import java.util.HashMap;
import java.util.Map;

/**
 * What an expression can see: {@code $params}, {@code $steps}, {@code $run}, {@code $now} (the run's
 * start time, ISO-8601 UTC, fixed for the whole run) and, inside a step's arguments, {@code $step}
 * (its {@code index}, {@code id} and the {@code idempotency_key} an {@code api_call} sends). The same
 * values are the input, so {@code params.x} works too. A privacy rule sees {@code $user} and
 * {@code $thing} instead ({@link #privacy}).
 */
public record Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now,
    Map<String, Object> step, Map<String, Object> others) {

  public Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now,
      Map<String, Object> step) {
    this(params, steps, run, now, step, null);
  }

  public Scope(Map<String, Object> params, Map<String, Object> steps, Map<String, Object> run, String now) {
    this(params, steps, run, now, null, null);
  }

  /** What a privacy rule sees: {@code $user} (unbound, so nothing, for an anonymous caller) and {@code $thing}. */
  public static Scope privacy(Map<String, Object> user, Map<String, Object> thing) {
    Map<String, Object> others = new HashMap<>();
    if (user != null) {
      others.put("user", user);
    }
    others.put("thing", thing);
    return new Scope(null, null, null, null, null, others);
  }

  /** This scope inside one step's arguments. */
  public Scope withStep(Map<String, Object> newStep) {
    return new Scope(params, steps, run, now, newStep, others);
  }

  Map<String, Object> bindings() {
    Map<String, Object> b = new HashMap<>();
    if (params != null) {
      b.put("params", params);
      b.put("steps", steps);
      b.put("run", run);
      b.put("now", now);
    }
    if (step != null) {
      b.put("step", step);
    }
    if (others != null) {
      b.putAll(others);
    }
    return b;
  }

  Object input() {
    return bindings();
  }
}
