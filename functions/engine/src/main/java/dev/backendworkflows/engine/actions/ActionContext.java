package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.expression.Scope;
import dev.backendworkflows.expression.Template;
import java.util.Map;

/** One step's view of its run: arguments (evaluated on demand), services, and run control. */
public final class ActionContext {
  private final StepDefinition step;
  private final Scope scope;
  private final Services services;
  private final Workflows workflows;
  private final String runId;
  private final String workflow;
  private final String caller;
  private final dev.backendworkflows.engine.WorkflowEngine engine;
  private final Map<String, Object> user;
  private final int depth;
  private boolean terminated;
  private String terminateReason;
  private boolean responded;
  private Object response;

  public ActionContext(StepDefinition step, Scope scope, Services services, Workflows workflows, String runId, String workflow,
      String caller, dev.backendworkflows.engine.WorkflowEngine engine, Map<String, Object> user, int depth) {
    this.engine = engine;
    this.user = user;
    this.depth = depth;
    this.step = step;
    this.scope = scope;
    this.services = services;
    this.workflows = workflows;
    this.runId = runId;
    this.workflow = workflow;
    this.caller = caller;
  }

  /** The engine, for actions that run other workflows inside this run (custom events). */
  public dev.backendworkflows.engine.WorkflowEngine engine() {
    return engine;
  }

  /** The verified user of a user-auth run (passed on to custom events), or null. */
  public Map<String, Object> user() {
    return user;
  }

  /** How many custom events deep this run is (0 for a run of its own). */
  public int depth() {
    return depth;
  }

  /** Who started this run: {@code key:<name>}, {@code anonymous}, {@code scheduled:<id>}. */
  public String caller() {
    return caller;
  }

  public StepDefinition step() {
    return step;
  }

  public Services services() {
    return services;
  }

  public Workflows workflows() {
    return workflows;
  }

  public String runId() {
    return runId;
  }

  public String workflow() {
    return workflow;
  }

  public boolean has(String arg) {
    return step.args().containsKey(arg);
  }

  /** The argument's value with expressions evaluated; null when absent or undefined. */
  public Object arg(String name) {
    Template t = step.args().get(name);
    return t == null ? null : t.evaluate(scope);
  }

  /** A required text argument; fails the step with {@code invalid_argument} when empty. */
  public String text(String name) {
    Object v = arg(name);
    if (v == null || (v instanceof String s && s.isBlank())) {
      throw new ActionException("invalid_argument", "'" + name + "' evaluated to nothing; it must be non-empty text");
    }
    return v instanceof String s ? s : String.valueOf(v);
  }

  @SuppressWarnings("unchecked")
  public Map<String, Object> object(String name) {
    Object v = arg(name);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map)) {
      throw new ActionException("invalid_argument", "'" + name + "' must be an object, got " + dev.backendworkflows.definition.Values.kind(v));
    }
    return (Map<String, Object>) v;
  }

  /** Ends the run after this step with status terminated. */
  public void terminate(String reason) {
    terminated = true;
    terminateReason = reason;
  }

  /** Sets the data returned to the caller; a later return replaces it. */
  public void respond(Object data) {
    responded = true;
    response = data;
  }

  public boolean terminated() {
    return terminated;
  }

  public String terminateReason() {
    return terminateReason;
  }

  public boolean responded() {
    return responded;
  }

  public Object response() {
    return response;
  }
}
