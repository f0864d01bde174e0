package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.expression.Scope;
import dev.backendworkflows.expression.Template;
import dev.backendworkflows.internal.Ids;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One step's view of its run: arguments (evaluated on demand), services, run control, and what makes
 * a replayed step find its own earlier effects: the time the step first started, ids derived from
 * (execution, step, item), and whether this is a replay of a step an earlier attempt started but
 * did not record as finished.
 */
public final class ActionContext {
  /** The run a step belongs to: the same for all its steps. */
  public record Run(Services services, Workflows workflows, WorkflowEngine engine, String runId, String workflow,
      String caller, Map<String, Object> user, int depth, Invocation invocation) {}

  private final StepDefinition step;
  private final Scope scope;
  private final Run run;
  private final Instant startedAt;
  private final boolean replaying;
  private final dev.backendworkflows.runlog.ErrorInfo previousError;
  private final String earlierStatus;
  private boolean terminated;
  private String terminateReason;
  private boolean responded;
  private Object response;
  private boolean uncertain;
  private String privacy;

  public ActionContext(StepDefinition step, Scope scope, Run run, Instant startedAt, boolean replaying,
      dev.backendworkflows.runlog.ErrorInfo previousError) {
    this(step, scope, run, startedAt, replaying, previousError, null);
  }

  /** A step an earlier attempt left with status {@code earlierStatus} ({@code started}, {@code succeeded}…), or null. */
  public ActionContext(StepDefinition step, Scope scope, Run run, Instant startedAt, boolean replaying,
      dev.backendworkflows.runlog.ErrorInfo previousError, String earlierStatus) {
    this.previousError = previousError;
    this.earlierStatus = earlierStatus;
    this.step = step;
    this.run = run;
    this.startedAt = startedAt;
    this.replaying = replaying;
    Map<String, Object> self = new LinkedHashMap<>();
    self.put("index", step.index());
    self.put("id", step.id());
    self.put("idempotency_key", idempotencyKey(run.runId(), step.index()));
    this.scope = scope.withStep(self);
  }

  /** The {@code Idempotency-Key} of step {@code index} of execution {@code runId}: the same on every attempt. */
  public static String idempotencyKey(String runId, int index) {
    return "bw-" + Ids.hash(runId, Integer.toString(index));
  }

  /** The engine, for actions that run other workflows inside this run (custom events). */
  public WorkflowEngine engine() {
    return run.engine();
  }

  /**
   * The verified user of a user-auth run (passed on to custom events): their claims, an empty map
   * for an anonymous caller of an {@code auth: none} workflow, or null when no end user started the run.
   */
  public Map<String, Object> user() {
    return run.user();
  }

  /**
   * The thing store to write through: what it creates, changes and deletes carries this run's depth,
   * so a data_change trigger knows how deep the change it is given was made ({@link dev.backendworkflows.data.ThingStore#atDepth}).
   */
  public dev.backendworkflows.data.ThingStore thingWriter() {
    return run.services().things().atDepth(depth());
  }

  /** How many custom events and data_change triggers deep this run is (0 for a run of its own). */
  public int depth() {
    return run.depth();
  }

  /** Who started this run: {@code key:<name>}, {@code anonymous}, {@code scheduled:<id>}. */
  public String caller() {
    return run.caller();
  }

  /** The invocation this attempt runs in (custom events run in it too). */
  public Invocation invocation() {
    return run.invocation();
  }

  public StepDefinition step() {
    return step;
  }

  public Services services() {
    return run.services();
  }

  public Workflows workflows() {
    return run.workflows();
  }

  /** The execution id: the same on every attempt of the run. */
  public String runId() {
    return run.runId();
  }

  public String workflow() {
    return run.workflow();
  }

  /** When this step first started (on a replay: in the attempt that first started it). */
  public Instant startedAt() {
    return startedAt;
  }

  /**
   * True when an earlier attempt started this step and died before recording its end: its effect
   * may or may not have happened, so the action must find it rather than repeat it.
   */
  public boolean replaying() {
    return replaying;
  }

  /** The status an earlier attempt left this step with, or null when none ran it. */
  public String earlierStatus() {
    return earlierStatus;
  }

  /** The error this step failed with in an earlier attempt, when this is a retry of it; else null. */
  public dev.backendworkflows.runlog.ErrorInfo previousError() {
    return previousError;
  }

  /**
   * An id for what this step creates, derived from (execution, step, {@code item}) with the time
   * the step first started: a replay of the step derives the same id and so finds its earlier effect.
   */
  public String derivedId(String... item) {
    String[] parts = new String[item.length + 2];
    parts[0] = run.runId();
    parts[1] = Integer.toString(step.index());
    System.arraycopy(item, 0, parts, 2, item.length);
    return Ids.derived(startedAt, parts);
  }

  /** The idempotency key of this step (what {@code api_call} sends unless told otherwise). */
  public String idempotencyKey() {
    return idempotencyKey(run.runId(), step.index());
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

  /** Records that this replayed step did not redo its effect and cannot tell whether it happened. */
  public void markUncertain() {
    uncertain = true;
  }

  public boolean uncertain() {
    return uncertain;
  }

  /** Records how this step met the privacy rules (ignored them, and why; acted as a user), for the run log. */
  public void notePrivacy(String note) {
    privacy = note;
  }

  /** How this step met the privacy rules when the run log should say so, else null. */
  public String privacy() {
    return privacy;
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
