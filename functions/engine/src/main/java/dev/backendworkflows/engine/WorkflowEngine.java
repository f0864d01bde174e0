package dev.backendworkflows.engine;

import com.dashjoin.jsonata.Jsonata;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.actions.ActionContext;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.exceptions.WorkflowException;
import dev.backendworkflows.expression.Scope;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * Runs workflows: binds parameters, runs steps in order (each with its "only when"), and keeps the
 * run log. Every run that reaches a known workflow leaves a record, including rejected input; the
 * record is written when the run starts and again when it ends, so a crash mid-run still shows.
 */
public final class WorkflowEngine {
  /** Bounds a step's output summary, so a run record stays far below DynamoDB's 400 KB item limit. */
  static final int OUTPUT_SUMMARY_CHARS = 1_000;

  private final Workflows workflows;
  private final Services services;
  private final ActionRegistry actions;

  public WorkflowEngine(Workflows workflows, Services services, ActionRegistry actions) {
    this.workflows = workflows;
    this.services = services;
    this.actions = actions;
  }

  public Workflows workflows() {
    return workflows;
  }

  public Services services() {
    return services;
  }

  /**
   * Runs a workflow to its end.
   *
   * @throws NoSuchElementException when no workflow has that name (no run is recorded)
   * @throws InvalidInputException when the input does not match the parameters (a rejected run is recorded)
   */
  public RunOutcome run(RunRequest request) {
    WorkflowDefinition wf = workflows.get(request.workflow())
        .orElseThrow(() -> new NoSuchElementException("unknown workflow '" + request.workflow() + "'"));
    Instant started = services.clock().instant();
    String runId = Ids.newId(started);
    long expiresAt = started.plus(services.retention()).getEpochSecond();
    Map<String, Object> params;
    try {
      params = ParameterBinder.bind(wf, request.input());
    } catch (InvalidInputException e) {
      RunRecord rejected = new RunRecord(runId, wf.name(), wf.version(), request.trigger(), request.caller(),
          services.stage(), Map.of(), RunStatus.RUNNING, started, null, null, List.of(), null, null, null, expiresAt)
          .finish(RunStatus.REJECTED, services.clock().instant(), List.of(),
              new ErrorInfo(e.code(), e.getMessage(), e.fields()), null, null);
      services.runs().put(rejected);
      log(rejected, "run rejected: " + e.getMessage());
      throw new RejectedRunException(e, runId);
    }
    RunRecord record = new RunRecord(runId, wf.name(), wf.version(), request.trigger(), request.caller(),
        services.stage(), ParameterBinder.redact(wf, params), RunStatus.RUNNING, started, null, null, List.of(),
        null, null, null, expiresAt);
    services.runs().put(record);
    return execute(wf, record, params, request.user(), request.depth());
  }

  private RunOutcome execute(WorkflowDefinition wf, RunRecord record, Map<String, Object> params, Map<String, Object> user,
      int depth) {
    Map<String, Object> stepResults = new LinkedHashMap<>();
    Map<String, Object> run = new LinkedHashMap<>(Map.of("id", record.runId(), "workflow", wf.name(), "trigger", record.trigger(),
        "stage", record.stage() == null ? "" : record.stage(), "started_at", record.startedAt().toString()));
    if (user != null) {
      run.put("user", user);
    }
    Scope scope = new Scope(params, stepResults, run, record.startedAt().toString());
    List<StepRecord> steps = new ArrayList<>();
    Object response = null;
    RunStatus status = RunStatus.SUCCEEDED;
    ErrorInfo error = null;
    String reason = null;
    for (StepDefinition step : wf.steps()) {
      long t0 = System.nanoTime();
      Boolean condition = null;
      ActionContext ctx = new ActionContext(step, scope, services, workflows, record.runId(), wf.name(), record.caller(),
          this, user, depth);
      try {
        if (step.when() != null) {
          condition = Jsonata.boolize(step.when().evaluate(scope));
          if (!condition) {
            steps.add(new StepRecord(step.index(), step.id(), step.action(), false, "skipped", millis(t0), null, null));
            continue;
          }
        }
        Object result = actions.get(step.action()).execute(ctx);
        if (step.id() != null) {
          stepResults.put(step.id(), result);
        }
        if (ctx.responded()) {
          response = ctx.response();
        }
        steps.add(new StepRecord(step.index(), step.id(), step.action(), condition,
            ctx.terminated() ? "terminated" : "succeeded", millis(t0), summary(result), null));
        if (ctx.terminated()) {
          status = RunStatus.TERMINATED;
          reason = ctx.terminateReason();
          break;
        }
      } catch (WorkflowException e) {
        error = new ErrorInfo(e.code(), "step " + step.label() + " (" + step.action() + ") failed: " + e.getMessage());
      } catch (RuntimeException e) {
        // unexpected: keep the type for operators, never a stack trace for callers
        error = new ErrorInfo("internal_error", "step " + step.label() + " (" + step.action() + ") failed unexpectedly: "
            + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
      }
      if (error != null) {
        status = RunStatus.FAILED;
        steps.add(new StepRecord(step.index(), step.id(), step.action(), condition, "failed", millis(t0), null, error));
        break;
      }
    }
    RunRecord done = record.finish(status, services.clock().instant(), steps, error, reason, summary(response));
    services.runs().put(done);
    log(done, "run " + status.wire());
    return new RunOutcome(done, response);
  }

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** The value itself when its JSON is small, else a text preview that says how much was cut. */
  static Object summary(Object value) {
    if (value == null) {
      return null;
    }
    String json = Json.write(value);
    return json.length() <= OUTPUT_SUMMARY_CHARS ? value
        : json.substring(0, OUTPUT_SUMMARY_CHARS) + "…(truncated, " + json.length() + " chars)";
  }

  private static void log(RunRecord r, String message) {
    Map<String, Object> ctx = new LinkedHashMap<>();
    ctx.put("run_id", r.runId());
    ctx.put("workflow", r.workflow());
    ctx.put("status", r.status().wire());
    if (r.durationMs() != null) {
      ctx.put("duration_ms", r.durationMs());
    }
    StructuredLog.write(r.status() == RunStatus.FAILED ? "error" : "info", message, ctx);
  }

  /** Input was rejected; carries the recorded run id so the caller can look it up. */
  public static final class RejectedRunException extends WorkflowException {
    private final InvalidInputException cause;
    private final String runId;

    RejectedRunException(InvalidInputException cause, String runId) {
      super(cause.getMessage(), cause);
      this.cause = cause;
      this.runId = runId;
    }

    public InvalidInputException input() {
      return cause;
    }

    public String runId() {
      return runId;
    }

    @Override
    public String code() {
      return cause.code();
    }
  }
}
