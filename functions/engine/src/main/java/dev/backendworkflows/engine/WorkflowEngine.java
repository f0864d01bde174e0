package dev.backendworkflows.engine;

import com.dashjoin.jsonata.Jsonata;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.actions.ActionContext;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.exceptions.WorkflowException;
import dev.backendworkflows.execution.AttemptInterruptedException;
import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.FencedOutException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.execution.Journal;
import dev.backendworkflows.execution.Lease;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * Runs workflows as durable executions. A run has one id across its attempts; it binds parameters,
 * runs steps in order (each with its "only when") and keeps its record and step journal in the run
 * log. Before a step with an effect outside the run starts, everything computed so far is written;
 * each later write records what the previous effect returned. An attempt that takes a run over (its
 * holder died: lease expired, a retry of the same invocation, a restarted local runner) restores
 * {@code $steps} from the journal and continues at the first unfinished step; a step that was
 * started but not recorded as finished is replayed, and finds its own earlier effect through ids
 * derived from (execution, step, item). Every write is conditional on the version the attempt last
 * wrote, so a zombie attempt that wakes after a takeover changes nothing.
 */
public final class WorkflowEngine {
  /** Error codes a run can end with that no step gave. */
  public static final String ATTEMPTS_EXHAUSTED = "attempts_exhausted";
  public static final String DEFINITION_CHANGED = "definition_changed";
  public static final String WORKFLOW_REMOVED = "workflow_removed";
  /** A run whose stored parameters (a scheduled run's) no longer bind to its workflow as deployed now. */
  public static final String VERSION_MISMATCH = "version_mismatch";
  private static final int FINAL_WRITE_TRIES = 3;

  private final Workflows workflows;
  private final Services services;
  private final ActionRegistry actions;
  private final dev.backendworkflows.definition.DefinitionVersions versions;

  public WorkflowEngine(Workflows workflows, Services services, ActionRegistry actions) {
    this(workflows, services, actions, dev.backendworkflows.definition.DefinitionVersions.NONE);
  }

  /** An engine that continues a run whose workflow changed under the version it started with, when {@code versions} keeps it. */
  public WorkflowEngine(Workflows workflows, Services services, ActionRegistry actions,
      dev.backendworkflows.definition.DefinitionVersions versions) {
    this.workflows = workflows;
    this.services = services;
    this.actions = actions;
    this.versions = versions;
  }

  public Workflows workflows() {
    return workflows;
  }

  public Services services() {
    return services;
  }

  /**
   * Runs a workflow to its end — or, when {@code request.runId()} names an execution that exists,
   * continues it (if its attempt died), replays its stored outcome (if it ended), or reports it in
   * progress (if a live attempt holds it).
   *
   * @throws NoSuchElementException when no workflow has that name (no run is recorded)
   * @throws InvalidInputException when the input does not match the parameters (a rejected run is recorded)
   * @throws AttemptInterruptedException when the run log failed mid-run; the run is continued later
   */
  public RunOutcome run(RunRequest request) {
    WorkflowDefinition wf = workflows.get(request.workflow())
        .orElseThrow(() -> new NoSuchElementException("unknown workflow '" + request.workflow() + "'"));
    Instant now = services.clock().instant();
    String runId = request.runId() != null ? request.runId() : Ids.newId(now);
    Map<String, Object> params;
    try {
      params = ParameterBinder.bind(wf, request.input());
      if (ItemBudget.bytes(params) > ItemBudget.MAX_PARAMS_BYTES) {
        throw new InvalidInputException(List.of(new ErrorInfo.FieldError("(parameters)", "too_large", "are "
            + ItemBudget.bytes(params) / 1024 + " KiB as JSON; a run takes at most " + ItemBudget.MAX_PARAMS_BYTES / 1024 + " KiB")));
      }
    } catch (InvalidInputException e) {
      ErrorInfo error = request.storedInput() ? versionMismatch(wf, e) : new ErrorInfo(e.code(), e.getMessage(), e.fields());
      RunRecord rejected = rejected(wf, runId, request, now, error);
      if (!startOrReplaceRejected(ItemBudget.fit(new Execution(rejected, null, 1, null, 1)))) {
        return existing(wf, runId, request.invocation());
      }
      log(rejected, "run rejected: " + error.message());
      throw new RejectedRunException(e, runId, error);
    }
    RunRecord record = new RunRecord(runId, wf.name(), wf.version(), request.trigger(), request.caller(), services.stage(),
        ParameterBinder.redact(wf, params), RunStatus.RUNNING, now, null, null, List.of(), null, null, null, expiresAt(now), 1);
    Execution started = ItemBudget.fit(new Execution(record, Journal.start(params, request.user(), request.depth()), 1,
        services.leases().lease(request.invocation(), now), 1));
    if (request.runId() == null && readOnly(wf)) {
      // a fresh run of steps that only read and compute: nothing to continue if it dies, so only its end is
      // written (version 0 is "not written yet"; the end write creates the record)
      return new Attempt(wf, new Execution(started.record(), started.journal(), 0, started.lease(), 1), request.invocation()).execute();
    }
    if (!startOrReplaceRejected(started)) {
      return existing(wf, runId, request.invocation());
    }
    return new Attempt(wf, started, request.invocation()).execute();
  }

  /**
   * Records that {@code request} was refused before it started — a data_change trigger past its
   * depth, say — as a rejected run with {@code error}, once per run id: when the id is taken, the
   * run stored under it is reported and nothing is written.
   *
   * @throws NoSuchElementException when no workflow has that name
   */
  public RunOutcome reject(RunRequest request, ErrorInfo error) {
    WorkflowDefinition wf = workflows.get(request.workflow())
        .orElseThrow(() -> new NoSuchElementException("unknown workflow '" + request.workflow() + "'"));
    Instant now = services.clock().instant();
    RunRecord rejected = rejected(wf, request.runId() != null ? request.runId() : Ids.newId(now), request, now, error);
    if (services.runs().write(ItemBudget.fit(new Execution(rejected, null, 1, null, 1)), 0)) {
      log(rejected, "run rejected: " + error.message());
      return new RunOutcome(rejected, null, RunOutcome.Kind.COMPLETED);
    }
    Execution stored = services.runs().load(rejected.runId()).orElseThrow(() -> new IllegalStateException("run "
        + rejected.runId() + " could not be written, yet is not there"));
    return new RunOutcome(stored.record(), stored.journal() == null ? null : stored.journal().response(), RunOutcome.Kind.REPLAYED);
  }

  /**
   * Stored parameters (checked when they were stored) that no longer bind: the workflow is not the
   * version they were checked against. The error names each parameter and what is wrong with it;
   * a secret parameter's message, which could quote its value, is withheld.
   */
  private static ErrorInfo versionMismatch(WorkflowDefinition wf, InvalidInputException e) {
    List<ErrorInfo.FieldError> fields = e.fields().stream().map(f -> wf.parameters().containsKey(f.field())
        && wf.parameters().get(f.field()).secret() ? new ErrorInfo.FieldError(f.field(), f.code(), "(a secret parameter: not shown)") : f)
        .toList();
    return new ErrorInfo(VERSION_MISMATCH, "the parameters stored for this run do not bind to workflow '" + wf.name()
        + "' as deployed (version " + wf.version() + "), which is not the version they were checked against: " + String.join(", ",
        fields.stream().map(f -> f.field() + " (" + f.code() + ")").toList()), fields);
  }

  /** The record of a run refused before it started: no parameters kept, ended as soon as it began. */
  private RunRecord rejected(WorkflowDefinition wf, String runId, RunRequest request, Instant now, ErrorInfo error) {
    return new RunRecord(runId, wf.name(), wf.version(), request.trigger(), request.caller(), services.stage(),
        Map.of(), RunStatus.RUNNING, now, null, null, List.of(), null, null, null, expiresAt(now), 1)
        .finish(RunStatus.REJECTED, services.clock().instant(), List.of(), error, null, null);
  }

  /**
   * Continues an execution whose attempt died (or replays it when it ended, or reports it in
   * progress), by its id alone: what the sweeper asks for runs that have no scheduled run.
   *
   * @throws NoSuchElementException when there is no such run
   */
  public RunOutcome resume(String runId, Invocation invocation) {
    Execution e = services.runs().load(runId).orElseThrow(() -> new NoSuchElementException("no run with id '" + runId + "'"));
    Optional<WorkflowDefinition> wf = workflows.get(e.record().workflow());
    if (wf.isEmpty()) {
      return end(e, invocation, new ErrorInfo(WORKFLOW_REMOVED, "workflow '" + e.record().workflow()
          + "' no longer exists (removed by a deploy); the run cannot continue"));
    }
    return continueExisting(wf.get(), e, invocation);
  }

  /**
   * Makes a failed run continuable again (a retry by API): running, claimable at once, with a
   * fresh allowance of attempts. Its steps that succeeded are not run again.
   *
   * @return the execution as reopened, or empty when it is not failed
   */
  public static Optional<Execution> reopen(dev.backendworkflows.runlog.RunLog runs, String runId) {
    while (true) {
      Execution e = runs.load(runId).orElse(null);
      if (e == null || e.record().status() != RunStatus.FAILED || e.journal() == null) {
        return Optional.empty();
      }
      Execution open = ItemBudget.fit(new Execution(e.record().reopened(), e.journal(), e.version() + 1, null,
          e.record().attempt() + 1));
      if (runs.write(open, e.version())) {
        return Optional.of(open);
      }
    }
  }

  /** Ends a run that cannot go on (its workflow is gone, say) as failed with {@code error}, taking it over first. */
  public RunOutcome end(Execution e, Invocation invocation, ErrorInfo error) {
    for (int tries = 0; tries < CONTENDED_TRIES; tries++) {
      if (e.record().status() != RunStatus.RUNNING) {
        return new RunOutcome(e.record(), e.journal() == null ? null : e.journal().response(), RunOutcome.Kind.REPLAYED);
      }
      Instant now = services.clock().instant();
      if (!services.leases().takeable(e.lease(), e.record().attempt(), invocation, now)) {
        return new RunOutcome(e.record(), null, RunOutcome.Kind.IN_PROGRESS);
      }
      RunRecord failed = e.record().finish(RunStatus.FAILED, now, e.record().steps(), error, null, null);
      Execution next = ItemBudget.fit(e.next(failed, e.journal(), new Lease(invocation.id(), now)));
      if (services.runs().write(next, e.version())) {
        log(failed, "run failed: " + error.message());
        return new RunOutcome(failed, null, RunOutcome.Kind.COMPLETED);
      }
      e = services.runs().load(e.runId()).orElseThrow();
    }
    // every write lost to another writer: leave the run to whoever keeps winning, and to the next sweep
    return new RunOutcome(e.record(), null, RunOutcome.Kind.IN_PROGRESS);
  }

  /** True when no step of {@code wf} has an effect outside its run (every action is known and says so). */
  private boolean readOnly(WorkflowDefinition wf) {
    return wf.steps().stream().allMatch(st -> actions.has(st.action()) && !actions.get(st.action()).effectful());
  }

  /** How often a writer re-reads and tries again when other writers keep winning, before it gives up for now. */
  private static final int CONTENDED_TRIES = 10;

  /** Writes a new execution, replacing a rejected one of the same id; false when another exists. */
  private boolean startOrReplaceRejected(Execution e) {
    if (services.runs().write(e, 0)) {
      return true;
    }
    Optional<Execution> stored = services.runs().load(e.runId());
    if (stored.isPresent() && stored.get().record().status() == RunStatus.REJECTED) {
      // a rejected run never started: a later delivery (after a definition fix, say) may start it
      Execution replacement = new Execution(e.record(), e.journal(), stored.get().version() + 1, e.lease(), e.attemptBase());
      return services.runs().write(replacement, stored.get().version()) || startOrReplaceRejected(e);
    }
    return false;
  }

  private RunOutcome existing(WorkflowDefinition wf, String runId, Invocation invocation) {
    Execution e = services.runs().load(runId).orElseThrow(() -> new IllegalStateException("run " + runId + " vanished"));
    return continueExisting(wf, e, invocation);
  }

  private RunOutcome continueExisting(WorkflowDefinition wf, Execution e, Invocation invocation) {
    while (true) {
      RunRecord r = e.record();
      if (r.status() != RunStatus.RUNNING) {
        return new RunOutcome(r, e.journal() == null ? null : e.journal().response(), RunOutcome.Kind.REPLAYED,
            e.journal() != null && e.journal().responseDropped());
      }
      Instant now = services.clock().instant();
      if (!services.leases().takeable(e.lease(), r.attempt(), invocation, now)) {
        return new RunOutcome(r, null, RunOutcome.Kind.IN_PROGRESS);
      }
      if (e.journal() == null) {
        return end(e, invocation, new ErrorInfo("not_resumable", "run " + r.runId() + " was written by a version without a "
            + "step journal and cannot be continued"));
      }
      Workflows runWorkflows = workflows;
      if (!wf.version().equals(r.definitionVersion())) {
        // the run goes on under the steps it started with — and the workflows they name as they were — when that version is kept
        Optional<Workflows> kept = versions.find(wf.name(), r.definitionVersion());
        if (kept.isEmpty()) {
          return end(e, invocation, new ErrorInfo(DEFINITION_CHANGED, "workflow '" + wf.name() + "' changed (version "
              + r.definitionVersion() + " → " + wf.version() + ") while this run was under way, and version "
              + r.definitionVersion() + " is not kept or no longer loads beside the current definitions (the log says which); it "
              + "stopped rather than continue under other steps. Its finished steps are in the run log"));
        }
        runWorkflows = kept.get();
        wf = runWorkflows.get(wf.name()).orElseThrow();
      }
      // Lambda retries an event under its request id only after the try ended: that is the same attempt going on
      boolean sameInvocation = e.lease() != null && invocation.id().equals(e.lease().holder());
      int attempt = sameInvocation ? r.attempt() : r.attempt() + 1;
      if (attempt >= e.attemptBase() + wf.maxAttempts()) {
        return end(e, invocation, new ErrorInfo(ATTEMPTS_EXHAUSTED, "gave up after " + (attempt - e.attemptBase())
            + " attempt(s) that each died before finishing (max_attempts " + wf.maxAttempts() + "); retry it with POST /runs/"
            + r.runId() + "/retry"));
      }
      Execution taken = ItemBudget.fit(e.next(r.withAttempt(attempt), e.journal(), services.leases().lease(invocation, now)));
      if (services.runs().write(taken, e.version())) {
        StructuredLog.write("warn", "attempt " + attempt + (sameInvocation ? " goes on with" : " takes over") + " run " + r.runId()
            + (e.lease() == null ? " (retried)" : " from " + e.lease().holder()),
            Map.of("run_id", r.runId(), "workflow", r.workflow(), "attempt", attempt));
        return new Attempt(wf, taken, invocation, runWorkflows).execute();
      }
      e = services.runs().load(r.runId()).orElseThrow();
    }
  }

  private long expiresAt(Instant now) {
    return now.plus(services.retention()).getEpochSecond();
  }

  /** One attempt at a run: its state in memory, written to the run log at the points the journal needs. */
  private final class Attempt {
    private final WorkflowDefinition wf;
    private final Invocation invocation;
    private Execution stored;
    private final int attempt;
    private final Map<String, Object> results;
    private final List<String> dropped;
    private final List<StepRecord> steps = new ArrayList<>();
    private final Scope scope;
    private final ActionContext.Run run;
    private Object response;
    private boolean responded;

    Attempt(WorkflowDefinition wf, Execution stored, Invocation invocation) {
      this(wf, stored, invocation, workflows);
    }

    /** An attempt whose steps see {@code runWorkflows} (the set a kept version loaded with) as the other workflows. */
    Attempt(WorkflowDefinition wf, Execution stored, Invocation invocation, Workflows runWorkflows) {
      this.wf = wf;
      this.stored = stored;
      this.invocation = invocation;
      this.attempt = stored.record().attempt();
      Journal j = stored.journal();
      this.results = new LinkedHashMap<>(j.results());
      this.dropped = new ArrayList<>(j.dropped());
      RunRecord r = stored.record();
      Map<String, Object> runView = new LinkedHashMap<>(Map.of("id", r.runId(), "workflow", wf.name(), "trigger", r.trigger(),
          "stage", r.stage() == null ? "" : r.stage(), "started_at", r.startedAt().toString(), "attempt", attempt));
      if (j.user() != null && !j.user().isEmpty()) { // an anonymous caller's is empty: $run.user is nothing
        runView.put("user", j.user());
      }
      // $steps holds restored results as steps are passed; results of steps not yet passed are hidden
      // a data_change run's steps see the change as its condition did: $old, $new and $change
      this.scope = new Scope(j.params(), new LinkedHashMap<>(), runView, r.startedAt().toString(), null,
          wf.trigger().kind() == dev.backendworkflows.definition.Trigger.Kind.DATA_CHANGE
              ? dev.backendworkflows.datachange.ThingChange.variables(j.params()) : null);
      this.run = new ActionContext.Run(services, runWorkflows, WorkflowEngine.this, r.runId(), wf.name(), r.caller(), j.user(),
          j.depth(), invocation);
    }

    RunOutcome execute() {
      Map<Integer, StepRecord> before = new HashMap<>();
      stored.record().steps().forEach(s -> before.put(s.index(), s));
      RunStatus status = RunStatus.SUCCEEDED;
      ErrorInfo error = null;
      String reason = null;
      try {
        for (StepDefinition step : wf.steps()) {
          StepRecord earlier = before.get(step.index());
          boolean restored = earlier != null && finished(earlier) && restorable(step, earlier);
          StepRecord done = restored ? restore(step, earlier) : runStep(step, earlier);
          if (!restored && !replayable(step)) {
            unjournaled = true; // what it read, decided or did is in memory only until the next write
          }
          steps.add(done);
          if (StepRecord.FAILED.equals(done.status())) {
            status = RunStatus.FAILED;
            error = done.error();
            break;
          }
          if (StepRecord.TERMINATED.equals(done.status())) {
            status = RunStatus.TERMINATED;
            reason = terminateReason;
            break;
          }
        }
      } catch (FencedOutException e) {
        StructuredLog.write("warn", e.getMessage() + "; this attempt stops and changes nothing more",
            Map.of("run_id", stored.runId(), "workflow", wf.name(), "attempt", attempt));
        return new RunOutcome(stored.record(), null, RunOutcome.Kind.FENCED);
      }
      RunRecord done = stored.record().finish(status, services.clock().instant(), steps, error, reason, response);
      return finalWrite(done);
    }

    private String terminateReason;
    /**
     * True when a step ran since the last write whose result, decision or end a replay could see
     * differently (a read, a condition, a marked step whose end is not yet written) — any step but a
     * replayable one — or when the last write had to drop a result. While it is, every effect is
     * marked first, so the journal holds what the effect was decided on.
     */
    private boolean unjournaled;

    /** A step a replay runs to the same end: it finds its own effect, and reads only fixed inputs. */
    private boolean replayable(StepDefinition step) {
      return actions.has(step.action()) && actions.get(step.action()).findsItsOwnEffect() && step.readsOnlyFixedInputs();
    }

    private boolean finished(StepRecord s) {
      return StepRecord.SUCCEEDED.equals(s.status()) || StepRecord.SKIPPED.equals(s.status())
          || StepRecord.TERMINATED.equals(s.status()) || StepRecord.UNCERTAIN.equals(s.status());
    }

    /** A finished step can be restored unless its result was too large to keep (then it is derived again). */
    private boolean restorable(StepDefinition step, StepRecord s) {
      return StepRecord.SKIPPED.equals(s.status()) || step.id() == null || !dropped.contains(step.id());
    }

    /** Puts a finished step's result back in scope; return and terminate steps are evaluated again (they compute, nothing more). */
    private StepRecord restore(StepDefinition step, StepRecord s) {
      if (step.id() != null && results.containsKey(step.id())) {
        bind(step.id(), results.get(step.id()));
      }
      if (!StepRecord.SKIPPED.equals(s.status()) && (step.action().equals("return") || step.action().equals("terminate"))) {
        ActionContext ctx = new ActionContext(step, scope, run, s.startedAt() == null ? stored.record().startedAt() : s.startedAt(),
            false, null);
        actions.get(step.action()).execute(ctx);
        absorb(ctx);
      }
      return s;
    }

    /**
     * Puts a step's result in {@code $steps}; a result of null (a thing not found) is left out, so
     * it is JSONata's nothing: {@code $exists} is false and paths through it yield nothing too.
     */
    private void bind(String stepId, Object result) {
      if (result == null) {
        scope.steps().remove(stepId);
      } else {
        scope.steps().put(stepId, result);
      }
    }

    private void absorb(ActionContext ctx) {
      if (ctx.responded()) {
        response = ctx.response();
        responded = true;
      }
      if (ctx.terminated()) {
        terminateReason = ctx.terminateReason();
      }
    }

    /**
     * Runs a step: afresh; again when an earlier attempt started it and died (a replay: its effect
     * may have happened) or it failed (a retry); or, when it ended in an earlier attempt but its
     * result was too large to keep, recovers that result without doing its effect again.
     */
    private StepRecord runStep(StepDefinition step, StepRecord earlier) {
      long t0 = System.nanoTime();
      Instant now = services.clock().instant();
      boolean recovering = earlier != null && finished(earlier);
      boolean replaying = earlier != null && StepRecord.STARTED.equals(earlier.status());
      ErrorInfo previousError = earlier != null && StepRecord.FAILED.equals(earlier.status()) ? earlier.error() : null;
      Instant startedAt = earlier != null && earlier.startedAt() != null ? earlier.startedAt() : now;
      Boolean condition = recovering || replaying ? earlier.condition() : null;
      var action = actions.has(step.action()) ? actions.get(step.action()) : null;
      try {
        if (!recovering && !replaying && step.when() != null) { // a retried step asks its condition again
          condition = Jsonata.boolize(step.when().evaluate(scope));
          if (!condition) {
            return new StepRecord(step.index(), step.id(), step.action(), false, StepRecord.SKIPPED, millis(t0), null, null,
                attempt, now);
          }
        }
        if (action == null) {
          actions.get(step.action()); // throws action_unavailable
        }
        // a step that finds its own effect and reads only fixed inputs computes the same again on a replay, and so needs
        // no mark — unless a step since the last write decided something a replay could decide otherwise
        boolean unmarked = replayable(step) && !unjournaled;
        if (action.effectful() && !unmarked && !recovering) {
          steps.add(new StepRecord(step.index(), step.id(), step.action(), condition, StepRecord.STARTED, 0, null, null, attempt,
              startedAt));
          write(stored.record().progress(List.copyOf(steps), response));
          steps.removeLast();
        }
        ActionContext ctx = new ActionContext(step, scope, run, startedAt, replaying || recovering, previousError,
            earlier == null ? null : earlier.status());
        Object result = recovering ? action.recover(ctx) : action.execute(ctx);
        if (step.id() != null) {
          bind(step.id(), result);
          results.put(step.id(), result);
          dropped.remove(step.id());
        }
        absorb(ctx);
        String status = recovering ? earlier.status() : ctx.terminated() ? StepRecord.TERMINATED
            : ctx.uncertain() ? StepRecord.UNCERTAIN : StepRecord.SUCCEEDED;
        return new StepRecord(step.index(), step.id(), step.action(), condition, status,
            recovering ? earlier.durationMs() : millis(t0), ItemBudget.preview(result, ItemBudget.PREVIEW_CHARS), null,
            recovering ? earlier.attempt() : attempt, startedAt, recovering ? earlier.privacy() : ctx.privacy());
      } catch (FencedOutException | AttemptInterruptedException e) {
        throw e;
      } catch (WorkflowException e) {
        return failed(step, condition, t0, startedAt, new ErrorInfo(e.code(), "step " + step.label() + " (" + step.action()
            + ") failed: " + e.getMessage()));
      } catch (RuntimeException e) {
        // unexpected: the details go to the log under an incident id, never to the run log or the caller
        String incident = dev.backendworkflows.internal.Incidents.record("step " + step.label() + " (" + step.action()
            + ") failed unexpectedly", e, Map.of("run_id", stored.runId(), "workflow", wf.name(), "step", step.label()));
        return failed(step, condition, t0, startedAt, new ErrorInfo("internal_error", "step " + step.label() + " ("
            + step.action() + ") failed unexpectedly; incident " + incident, List.of(), incident));
      }
    }

    private StepRecord failed(StepDefinition step, Boolean condition, long t0, Instant startedAt, ErrorInfo error) {
      return new StepRecord(step.index(), step.id(), step.action(), condition, StepRecord.FAILED, millis(t0), null, error, attempt,
          startedAt);
    }

    /**
     * The journal as the next write keeps it. Once a run has succeeded or terminated, only its
     * response is kept: nothing will continue it, so its parameters (secret ones included) and
     * results are dropped; a failed run keeps them, for a retry.
     */
    private Journal journal(RunStatus ending) {
      Journal j = stored.journal();
      if (ending == RunStatus.SUCCEEDED || ending == RunStatus.TERMINATED) {
        return new Journal(Map.of(), Map.of(), List.of(), response, responded, false, null, j.depth());
      }
      // a failed run's response is never answered (its error is), and must not crowd out results a retry needs
      return new Journal(j.params(), new LinkedHashMap<>(results), List.copyOf(dropped), null, false, false, j.user(), j.depth());
    }

    /** Ids of this workflow's effectful steps, whose results the journal keeps first. */
    private java.util.Set<String> effectfulIds() {
      java.util.Set<String> ids = new java.util.HashSet<>();
      wf.steps().stream().filter(st -> st.id() != null && actions.has(st.action()) && actions.get(st.action()).effectful())
          .forEach(st -> ids.add(st.id()));
      return ids;
    }

    /** A progress write: fenced on the version this attempt last wrote. */
    private void write(RunRecord record) {
      Execution next = ItemBudget.fit(stored.next(record, journal(null), stored.lease()), effectfulIds());
      boolean written;
      try {
        written = services.runs().write(next, stored.version());
      } catch (RuntimeException e) {
        throw new AttemptInterruptedException(stored.runId(), e);
      }
      if (!written && !ownWrite(next)) {
        throw new FencedOutException(stored.runId(), attempt);
      }
      stored = next;
      unjournaled = !next.journal().dropped().isEmpty(); // a dropped result would be read afresh by a replay
    }

    /**
     * True when the stored execution is the one this attempt just wrote: the write landed but its
     * answer was lost, and the SDK's retry of it found the version moved on by itself.
     */
    private boolean ownWrite(Execution next) {
      Execution now = services.runs().load(next.runId()).orElse(null);
      if (now == null || now.version() != next.version() || now.record().attempt() != attempt
          || now.record().status() != next.record().status()) {
        return false;
      }
      return now.lease() != null && next.lease() != null && next.lease().holder().equals(now.lease().holder());
    }

    /**
     * The end write. It is retried, smaller each time (without kept results, then without step
     * outputs). If it still cannot be written, the attempt is interrupted: the run stays running in
     * the log and a later attempt — a retry of this invocation, or the sweeper's — writes its end.
     */
    private RunOutcome finalWrite(RunRecord done) {
      // the end keeps this attempt's lease as the writer's mark (a run that ended is never taken over)
      Execution next = ItemBudget.fit(stored.next(done, journal(done.status()), stored.lease()), effectfulIds());
      RuntimeException last = null;
      for (int i = 1; i <= FINAL_WRITE_TRIES; i++) {
        try {
          if (services.runs().write(next, stored.version()) || ownWrite(next)) {
            log(next.record(), "run " + done.status().wire() + (attempt > 1 ? " (attempt " + attempt + ")" : ""));
            return new RunOutcome(done, response, RunOutcome.Kind.COMPLETED);
          }
          StructuredLog.write("warn", "run " + done.runId() + " ended in attempt " + attempt
              + ", but another attempt took it over before the end was written", Map.of("run_id", done.runId()));
          return new RunOutcome(done, response, RunOutcome.Kind.FENCED);
        } catch (RuntimeException e) {
          last = e;
          StructuredLog.write("error", "could not write the end of run " + done.runId() + " (try " + i + "): " + e,
              Map.of("run_id", done.runId(), "workflow", wf.name()));
          Journal j = next.journal();
          next = i == 1 ? new Execution(next.record(), new Journal(j.params(), Map.of(), new ArrayList<>(results.keySet()),
              j.response(), j.responded(), j.responseDropped(), j.user(), j.depth()), next.version(), next.lease(), next.attemptBase())
              : new Execution(next.record().bounded(Map.of(), next.record().steps().stream().map(s -> s.withOutput(null)).toList(),
                  null), new Journal(j.params(), Map.of(), new ArrayList<>(results.keySet()), null, false, true, j.user(), j.depth()),
                  next.version(), next.lease(), next.attemptBase());
        }
      }
      if (stored.version() == 0) { // a read-only run (never written): nothing would continue it, so its caller gets its answer
        StructuredLog.write("error", "run " + done.runId() + " ended " + done.status().wire() + " but its record could not be "
            + "written; it had no effects, and its answer is given without it", Map.of("run_id", done.runId(), "workflow", wf.name()));
        return new RunOutcome(done, response, RunOutcome.Kind.COMPLETED);
      }
      throw new AttemptInterruptedException(done.runId(), last);
    }
  }

  private static long millis(long t0) {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /** The value itself when its JSON is small, else a text preview that says how much was cut. */
  static Object summary(Object value) {
    return ItemBudget.preview(value, ItemBudget.PREVIEW_CHARS);
  }

  private static void log(RunRecord r, String message) {
    Map<String, Object> ctx = new LinkedHashMap<>();
    ctx.put("run_id", r.runId());
    ctx.put("workflow", r.workflow());
    ctx.put("status", r.status().wire());
    if (r.attempt() > 1) {
      ctx.put("attempt", r.attempt());
    }
    if (r.durationMs() != null) {
      ctx.put("duration_ms", r.durationMs());
    }
    StructuredLog.write(r.status() == RunStatus.FAILED ? "error" : "info", message, ctx);
  }

  /** Input was rejected; carries the recorded run id so the caller can look it up. */
  public static final class RejectedRunException extends WorkflowException {
    private final InvalidInputException cause;
    private final String runId;
    private final ErrorInfo error;

    RejectedRunException(InvalidInputException cause, String runId, ErrorInfo error) {
      super(error.message(), cause);
      this.cause = cause;
      this.runId = runId;
      this.error = error;
    }

    /** The error the rejected run was recorded with. */
    public ErrorInfo error() {
      return error;
    }

    public InvalidInputException input() {
      return cause;
    }

    public String runId() {
      return runId;
    }

    @Override
    public String code() {
      return error.code();
    }
  }
}
