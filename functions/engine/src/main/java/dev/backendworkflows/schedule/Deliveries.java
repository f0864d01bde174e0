package dev.backendworkflows.schedule;

import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Receives deliveries of scheduled runs, resumptions of runs whose attempt died, and the sweep. A
 * delivery starts its run (pending → running, a conditional write) and then asks the engine for the
 * execution with the run's id: the execution's claim lets exactly one attempt run it, continues it
 * after a crash, and replays its outcome to late duplicates. Runs that are cancelled or ended do
 * nothing but log. A run that fails is recorded as failed with its error, and can be retried.
 */
public final class Deliveries {
  /** How overdue a pending run must be before its delivery counts as lost (EventBridge fires within a minute). */
  public static final Duration LOST_AFTER = Duration.ofMinutes(5);
  /** How long a started run may lack a running execution before the sweep redelivers it. */
  public static final Duration STUCK_AFTER = Duration.ofMinutes(2);
  private static final int MAX_ID_LENGTH = 1024;
  private final Services services;
  private final WorkflowEngine engine;
  private final ScheduledRuns states;
  /** How long code deployed before this may still be running: an index build waits that long (see {@link Indexes}). */
  private final Duration deployOverlap;
  /** How many things one sweep lists under new indexes, at most. */
  static final int INDEX_BUILD_STEP = 5_000;

  /**
   * How long older code may run after a deploy on AWS: Lambda's longest run, plus the minutes a
   * deploy takes to update every function (the sweep's may be updated before the others).
   */
  public static final Duration DEPLOY_OVERLAP = dev.backendworkflows.execution.LeasePolicy.LONGEST_RUN.plus(Duration.ofMinutes(5));

  /** Deliveries on a deployment whose older code may run for {@link #DEPLOY_OVERLAP} after a deploy. */
  public Deliveries(Services services, WorkflowEngine engine) {
    this(services, engine, DEPLOY_OVERLAP);
  }

  /** Deliveries where code deployed before this may still run for {@code deployOverlap} (none, where this process owns its data). */
  public Deliveries(Services services, WorkflowEngine engine, Duration deployOverlap) {
    this.services = services;
    this.engine = engine;
    this.states = new ScheduledRuns(services);
    this.deployOverlap = deployOverlap;
  }

  /** The engine it runs deliveries with. */
  public WorkflowEngine engine() {
    return engine;
  }

  /** What a delivery did: ran the workflow (with its run id), or was ignored (with the reason). */
  public record Result(boolean ran, String runId, String status, String reason) {
    static Result ignored(String id, String status, String reason) {
      StructuredLog.write("info", reason, Map.of("scheduled_run_id", id));
      return new Result(false, null, status, reason);
    }
  }

  /**
   * A firing of a recurring workflow at {@code scheduledTime} (as EventBridge passes it). The firing
   * is recorded as a scheduled run whose id is derived from workflow and time, so a duplicate
   * delivery of the same firing finds the record and runs nothing.
   */
  public Result deliverRecurring(String workflow, Instant scheduledTime, Invocation invocation) {
    return deliverFiring("rec-" + workflow + "-" + scheduledTime.getEpochSecond(), workflow, Map.of(), scheduledTime, "recurring",
        invocation);
  }

  /**
   * A firing of a recurring event set at run time: runs its workflow with its parameters, once per
   * firing. A firing of an event cancelled meanwhile runs nothing.
   */
  public Result deliverRecurringEvent(String recurringEventId, Instant scheduledTime, Invocation invocation) {
    var event = services.schedules().getRecurring(recurringEventId);
    if (event.isEmpty()) {
      return Result.ignored(recurringEventId, "cancelled",
          "firing of recurring event " + recurringEventId + " ignored: it no longer exists (cancelled)");
    }
    return deliverFiring(recurringEventId + "-" + scheduledTime.getEpochSecond(), event.get().workflow(),
        event.get().params(), scheduledTime, "recurring:" + recurringEventId, invocation);
  }

  private Result deliverFiring(String id, String workflow, Map<String, Object> params, Instant scheduledTime, String by,
      Invocation invocation) {
    try {
      services.schedules().create(ScheduledRun.pending(id, workflow, params, scheduledTime, by, id, services.clock().instant(), 1));
    } catch (dev.backendworkflows.exceptions.ScheduleConflictException duplicate) {
      // the same firing delivered again: its run is started once
    }
    return deliver(id, invocation);
  }

  /** A delivery in an invocation of its own (tools and tests). */
  public Result deliver(String scheduledRunId) {
    return deliver(scheduledRunId, Invocation.untimed());
  }

  /** A malformed id, or null when it is well-formed: checked before any table is read. */
  public static String malformed(String id) {
    if (id == null || id.isBlank()) {
      return "the event's scheduled_run_id is empty";
    }
    if (id.length() > MAX_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
      return "the event's scheduled_run_id is not an id (over " + MAX_ID_LENGTH + " characters, or control characters)";
    }
    return null;
  }

  /** Delivers a scheduled run (or batch chunk) in {@code invocation}. */
  public Result deliver(String scheduledRunId, Invocation invocation) {
    String bad = malformed(scheduledRunId);
    if (bad != null) {
      return new Result(false, null, "bad_event", bad);
    }
    ScheduledRun seen = services.schedules().get(scheduledRunId).orElse(null);
    if (seen == null) {
      return Result.ignored(scheduledRunId, "unknown", "delivery of scheduled run " + scheduledRunId + " ignored: it is unknown (no such run)");
    }
    if (seen.kind() == ScheduledRun.Kind.CHUNK) {
      return new Batches(services, engine.workflows()).deliverChunk(scheduledRunId, invocation, this);
    }
    ScheduledRun run = states.start(seen).orElse(null);
    if (run == null) {
      return Result.ignored(scheduledRunId, "unknown", "delivery of scheduled run " + scheduledRunId + " ignored: no such run");
    }
    if (run.ended()) {
      Optional<Execution> stray = services.runs().load(run.id()).filter(e -> e.record().status() == RunStatus.RUNNING);
      if (stray.isEmpty()) {
        return Result.ignored(scheduledRunId, run.status().wire(), "delivery of scheduled run " + scheduledRunId + " ignored: it is "
            + run.status().wire() + " (duplicate, late or cancelled delivery)");
      }
      RunOutcome o = engine.resume(run.id(), invocation); // its schedule ended, yet its run did not: let the run end too
      return new Result(o.kind() == RunOutcome.Kind.COMPLETED, run.id(), o.record().status().wire(), "continued a run whose schedule had ended");
    }
    Optional<WorkflowDefinition> wf = engine.workflows().get(run.workflow());
    if (wf.isEmpty()) {
      ErrorInfo removed = new ErrorInfo(WorkflowEngine.WORKFLOW_REMOVED, "workflow '" + run.workflow() + "' no longer exists");
      services.runs().load(run.id()).ifPresent(e -> engine.end(e, invocation, removed));
      states.finish(run, ScheduleStatus.FAILED, null, removed);
      return new Result(false, null, ScheduleStatus.FAILED.wire(), removed.message());
    }
    RunOutcome outcome;
    try {
      RunRequest request = new RunRequest(run.workflow(), run.params(), "schedule", "scheduled:" + run.id()).as(run.id(), invocation)
          .stored(); // checked when it was scheduled
      outcome = engine.run(request);
      if (outcome.kind() == RunOutcome.Kind.REPLAYED && failedBeforeRetry(outcome.record(), run)
          && WorkflowEngine.reopen(services.runs(), run.id()).isPresent()) {
        outcome = engine.run(request); // a retry whose reopening a crash cut off: the run continues from its journal
      }
    } catch (WorkflowEngine.RejectedRunException e) {
      // the definition changed since scheduling and the stored parameters no longer fit it: version_mismatch
      states.finish(run, ScheduleStatus.FAILED, e.runId(), e.error());
      return new Result(true, e.runId(), ScheduleStatus.FAILED.wire(), e.getMessage());
    }
    return switch (outcome.kind()) {
      case IN_PROGRESS -> Result.ignored(scheduledRunId, ScheduleStatus.RUNNING.wire(), "delivery of scheduled run "
          + scheduledRunId + " ignored: a live attempt is running it (duplicate delivery)");
      case FENCED -> new Result(false, run.id(), ScheduleStatus.RUNNING.wire(), "this attempt was taken over; another finishes the run");
      case COMPLETED, REPLAYED -> {
        ScheduleStatus status = statusOf(outcome.record());
        states.finish(run, status, run.id(), outcome.record().error());
        yield outcome.kind() == RunOutcome.Kind.COMPLETED ? new Result(true, run.id(), status.wire(), null)
            : Result.ignored(scheduledRunId, status.wire(), "delivery of scheduled run " + scheduledRunId + " ignored: it is "
                + status.wire() + " (duplicate or late delivery)");
      }
    };
  }

  /**
   * Whether {@code r} failed before {@code run} was last due: a retry puts a failed run back due at
   * the time of the retry, so an execution that failed earlier is the one the retry meant to reopen.
   */
  private static boolean failedBeforeRetry(RunRecord r, ScheduledRun run) {
    return r.status() == RunStatus.FAILED && r.endedAt() != null && r.endedAt().isBefore(run.dueAt());
  }

  private static ScheduleStatus statusOf(RunRecord r) {
    return switch (r.status()) {
      case SUCCEEDED -> ScheduleStatus.SUCCEEDED;
      case TERMINATED -> ScheduleStatus.TERMINATED;
      default -> ScheduleStatus.FAILED;
    };
  }

  /**
   * Continues a run that has no scheduled run (an API run whose attempt died): what the sweeper
   * dispatches for them.
   */
  public Result resume(String runId, Invocation invocation) {
    String bad = malformed(runId);
    if (bad != null) {
      return new Result(false, null, "bad_event", bad.replace("scheduled_run_id", "resume_run_id"));
    }
    if (services.runs().load(runId).isEmpty()) {
      return Result.ignored(runId, "unknown", "resumption of run " + runId + " ignored: no such run");
    }
    RunOutcome o = engine.resume(runId, invocation);
    return new Result(o.kind() == RunOutcome.Kind.COMPLETED, runId, o.record().status().wire(), o.kind().name().toLowerCase());
  }

  /**
   * What a sweep did: runs whose attempt died that it handed to a new attempt, lost deliveries it
   * sent again, runs it ended (their workflow was removed, their parent ended, or their start kept
   * failing), and runs it could not handle (each logged; the others went on).
   */
  public record Sweep(int resumed, int redelivered, int ended, int errors) {}

  /**
   * Re-dispatches what faults left behind, so nothing accepted is lost: runs whose attempt died
   * (lease passed) and batch chunks likewise, runs started but whose execution never began or
   * whose end was not mirrored, pending runs overdue by more than {@link #LOST_AFTER} (their
   * delivery went astray), and running batch jobs left without a live chunk ({@link Batches#watch}). Runs of workflows that no longer exist end {@code failed} with
   * {@code workflow_removed}. Every run is handled on its own: one that fails is logged and
   * counted, and the sweep goes on. Claims keep a re-dispatch harmless if the original turns up.
   * It also takes a step of every index build ({@link Indexes#build}).
   */
  public Sweep sweep(Invocation invocation) {
    Counter c = new Counter();
    sweepExecutions(invocation, c);
    sweepRunning(invocation, c);
    sweepPending(c);
    handle("batch jobs", c, () -> c.redelivered += new Batches(services, engine.workflows()).watch());
    handle("indexes", c, () -> {
      Indexes.Build b = Indexes.build(services.things(), engine.workflows().types().values(), services.clock().instant(),
          deployOverlap, INDEX_BUILD_STEP);
      if (b.listed() + b.readied().size() + b.dropped().size() > 0) {
        StructuredLog.write("info", "sweep: listed " + b.listed() + " things under new indexes; ready: " + b.readied()
            + "; dropped: " + b.dropped(), Map.of());
      }
    });
    if (c.resumed + c.redelivered + c.ended + c.errors > 0) {
      StructuredLog.write(c.errors > 0 ? "error" : "warn", "sweep: resumed " + c.resumed + ", redelivered " + c.redelivered
          + ", ended " + c.ended + ", " + c.errors + " could not be handled", Map.of());
    }
    return new Sweep(c.resumed, c.redelivered, c.ended, c.errors);
  }

  public Sweep sweep() {
    return sweep(Invocation.untimed());
  }

  private static final class Counter {
    int resumed;
    int redelivered;
    int ended;
    int errors;
  }

  private void handle(String id, Counter c, Runnable r) {
    try {
      r.run();
    } catch (RuntimeException e) {
      c.errors++;
      Map<String, Object> ctx = new LinkedHashMap<>();
      ctx.put("id", id);
      ctx.put("error", e.getClass().getSimpleName());
      StructuredLog.write("error", "sweep could not handle " + id + ": " + e.getMessage(), ctx);
    }
  }

  /** Executions whose attempt died: scheduled ones are redelivered, the others resumed in their workflow's function. */
  private void sweepExecutions(Invocation invocation, Counter c) {
    String cursor = null;
    do {
      var page = services.runs().query(new RunQuery(null, RunStatus.RUNNING, RunQuery.MAX_LIMIT, cursor));
      for (RunRecord r : page.runs()) {
        handle(r.runId(), c, () -> {
          Execution e = services.runs().load(r.runId()).filter(x -> x.record().status() == RunStatus.RUNNING).orElse(null);
          if (e == null || !services.leases().takeable(e.lease(), e.record().attempt(), invocation, services.clock().instant())) {
            return;
          }
          Optional<WorkflowDefinition> wf = engine.workflows().get(r.workflow());
          if (r.trigger().equals("custom_event")) {
            endOrphanedEvent(e, invocation, c); // its parent's resumption continues it
          } else if (wf.isEmpty()) {
            engine.end(e, invocation, new ErrorInfo(WorkflowEngine.WORKFLOW_REMOVED, "workflow '" + r.workflow()
                + "' no longer exists (removed by a deploy)"));
            services.schedules().get(r.runId()).filter(s -> s.status() == ScheduleStatus.RUNNING).ifPresent(s ->
                states.finish(s, ScheduleStatus.FAILED, s.id(), new ErrorInfo(WorkflowEngine.WORKFLOW_REMOVED, "workflow removed")));
            c.ended++;
          } else if (r.trigger().equals("schedule")) {
            services.dispatcher().dispatchNow(r.runId(), r.workflow());
            c.resumed++;
          } else {
            services.dispatcher().resume(r.runId(), r.workflow());
            c.resumed++;
          }
        });
      }
      cursor = page.cursor();
    } while (cursor != null);
  }

  /** A custom event is continued by its parent; one whose parent has ended will never be, so it ends too. */
  private void endOrphanedEvent(Execution e, Invocation invocation, Counter c) {
    String caller = e.record().caller();
    String parent = caller != null && caller.startsWith("run:") ? caller.substring(4) : null;
    boolean parentEnded = parent == null || services.runs().get(parent).map(p -> p.status() != RunStatus.RUNNING).orElse(true);
    if (parentEnded) {
      engine.end(e, invocation, new ErrorInfo("parent_ended", "the run that triggered this custom event (" + parent
          + ") ended without it"));
      c.ended++;
    }
  }

  /** Running scheduled runs: chunks whose attempt died, and runs whose execution is missing or ended. */
  private void sweepRunning(Invocation invocation, Counter c) {
    Instant now = services.clock().instant();
    String cursor = null;
    do {
      SchedulePage page = services.schedules().list(ScheduleStatus.RUNNING, null, 100, cursor);
      for (ScheduledRun s : page.runs()) {
        handle(s.id(), c, () -> {
          if (s.kind() == ScheduledRun.Kind.CHUNK) {
            if (services.leases().takeable(s.lease(), s.attempt(), invocation, now)) {
              redeliver(s, c);
            }
          } else if (s.claimedAt() == null || s.claimedAt().isBefore(now.minus(STUCK_AFTER.multipliedBy(1L << Math.min(s.attempt(), 10))))) {
            Optional<Execution> run = services.runs().load(s.id());
            if (run.isPresent() && run.get().record().status() != RunStatus.RUNNING) {
              redeliver(s, c); // ended without its schedule knowing: the delivery mirrors its end
            } else if (run.isEmpty()) {
              redeliverUnstarted(s, c);
            }
          }
        });
      }
      cursor = page.cursor();
    } while (cursor != null);
  }

  /** Pending runs overdue by more than {@link #LOST_AFTER}, oldest first. */
  private void sweepPending(Counter c) {
    Instant lostBefore = services.clock().instant().minus(LOST_AFTER);
    String cursor = null;
    pending:
    do { // pending runs come in due order: stop at the first that is not overdue
      SchedulePage page = services.schedules().list(ScheduleStatus.PENDING, null, 100, cursor);
      for (ScheduledRun s : page.runs()) {
        if (!s.dueAt().isBefore(lostBefore)) {
          break pending;
        }
        handle(s.id(), c, () -> redeliver(s, c));
      }
      cursor = page.cursor();
    } while (cursor != null);
  }

  /** How often a started run whose execution never began is delivered again before it ends failed. */
  static final int MAX_UNSTARTED_DELIVERIES = 5;

  /**
   * A run started whose execution never began (its start kept failing): delivered again with a
   * doubling wait (2, 4, 8… minutes), a bounded number of times, then ended.
   */
  private void redeliverUnstarted(ScheduledRun s, Counter c) {
    if (s.attempt() >= MAX_UNSTARTED_DELIVERIES) {
      // conditional on the version just read, and only while the run log still has no run of it
      ScheduledRun failed = s.finished(ScheduleStatus.FAILED, null, new ErrorInfo("not_started", "its run could not be started in "
          + s.attempt() + " deliveries; see the function's logs, then retry it with POST /schedules/" + s.id() + "/retry"),
          services.clock().instant(), services.expiry());
      if (services.runs().load(s.id()).isEmpty() && states.move(s, failed)) {
        c.ended++;
      }
      return;
    }
    ScheduledRun counted = s.deliveredAgain(services.clock().instant());
    if (services.schedules().replace(counted, s.version())) {
      redeliver(counted, c);
    }
  }

  private void redeliver(ScheduledRun s, Counter c) {
    if (engine.workflows().get(s.workflow()).isEmpty()) {
      ErrorInfo removed = new ErrorInfo(WorkflowEngine.WORKFLOW_REMOVED, "workflow '" + s.workflow()
          + "' no longer exists (removed by a deploy)");
      if (s.status() == ScheduleStatus.PENDING ? states.endPending(s.id(), ScheduleStatus.FAILED, removed)
          : states.finish(s, ScheduleStatus.FAILED, null, removed)) {
        c.ended++;
      }
      return;
    }
    services.dispatcher().dispatchNow(s.id(), s.workflow());
    c.redelivered++;
  }
}
