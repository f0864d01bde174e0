package dev.backendworkflows.datachange;

import com.dashjoin.jsonata.Jsonata;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.WorkflowException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.expression.Scope;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.runlog.ErrorInfo;
import java.util.List;
import java.util.Optional;

/**
 * Runs data_change workflows for committed thing changes, once per change: a run's id derives from
 * (workflow, change sequence), so a change delivered twice — a stream batch retried, a local
 * dispatcher restarted — continues or replays the run the first delivery started instead of
 * starting another. A change whose writer was itself {@link #MAX_DEPTH} triggers deep starts no
 * run: a rejected run says so in the run log, so a loop of triggers ends there.
 */
public final class ChangeTriggers {
  /** A change made by a run this many triggers deep triggers nothing, unless the trigger says otherwise ({@code max_depth}). */
  public static final int MAX_DEPTH = Trigger.DataChange.DEFAULT_MAX_DEPTH;
  /** What a data_change run's record gives as its trigger. */
  public static final String TRIGGER = "data_change";
  /** The error code of the run recorded in place of one a too-deep change would have started. */
  public static final String DEPTH_EXCEEDED = "trigger_depth_exceeded";
  /** The error code of the run recorded when a trigger's condition could not be evaluated. */
  public static final String CONDITION_FAILED = "trigger_condition_failed";

  private final WorkflowEngine engine;

  public ChangeTriggers(WorkflowEngine engine) {
    this.engine = engine;
  }

  /** The data_change workflows watching {@code type}, by name. */
  public List<WorkflowDefinition> watching(String type) {
    return engine.workflows().byName().values().stream()
        .filter(w -> w.trigger().kind() == Trigger.Kind.DATA_CHANGE && w.trigger().dataChange().type().equals(type))
        .sorted(java.util.Comparator.comparing(WorkflowDefinition::name)).toList();
  }

  /** Every type some data_change workflow watches, with the events they watch it for: the changes worth recording. */
  public java.util.Map<String, java.util.Set<Trigger.ChangeEvent>> watched() {
    java.util.Map<String, java.util.Set<Trigger.ChangeEvent>> watched = new java.util.TreeMap<>();
    engine.workflows().byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.DATA_CHANGE)
        .forEach(w -> watched.computeIfAbsent(w.trigger().dataChange().type(), t -> java.util.EnumSet.noneOf(Trigger.ChangeEvent.class))
            .addAll(w.trigger().dataChange().on()));
    return watched;
  }

  /** Delivers {@code change} to every workflow watching its type, in name order. */
  public List<RunOutcome> deliver(ThingChange change, Invocation invocation) {
    return watching(change.type()).stream().map(w -> deliver(w, change, invocation)).flatMap(Optional::stream).toList();
  }

  /**
   * Runs {@code wf} for {@code change} when its trigger fires for it (type, event, fields, condition).
   * A run that fails is recorded as failed and counts as delivered; only a failure to record the
   * run propagates (an {@link dev.backendworkflows.execution.AttemptInterruptedException}, or the
   * store's), so the change is delivered again.
   *
   * @return the run's outcome, or empty when the trigger does not fire for this change
   * @throws DeliveryPendingException when another attempt holds the change's run: deliver it again later
   */
  public Optional<RunOutcome> deliver(WorkflowDefinition wf, ThingChange change, Invocation invocation) {
    Trigger.DataChange on = wf.trigger().dataChange();
    if (on == null || !on.type().equals(change.type()) || !on.on().contains(change.event())
        || change.event() == Trigger.ChangeEvent.CHANGED && !on.fields().isEmpty() && on.fields().stream().noneMatch(change::changed)) {
      return Optional.empty();
    }
    RunRequest request = new RunRequest(wf.name(), change.params(), TRIGGER, "data_change:" + change.type() + "/" + change.id(),
        null, change.depth() + 1, runId(wf, change), invocation);
    if (on.when() != null) {
      try {
        if (!Jsonata.boolize(on.when().evaluate(scope(change)))) {
          return Optional.empty();
        }
      } catch (WorkflowException e) {
        return Optional.of(engine.reject(request, new ErrorInfo(CONDITION_FAILED, "the data_change condition of " + wf.name()
            + " failed for " + change.type() + " '" + change.id() + "': " + e.getMessage())));
      }
    }
    if (change.depth() >= on.maxDepth()) {
      return Optional.of(engine.reject(request, new ErrorInfo(DEPTH_EXCEEDED, "this " + change.event().wire() + " of "
          + change.type() + " '" + change.id() + "' was made by a run " + change.depth() + " triggers deep; from "
          + on.maxDepth() + " (max_depth) on a change runs nothing, so that workflows changing each other's things cannot loop")));
    }
    try {
      RunOutcome outcome = engine.run(request);
      if (outcome.kind() == RunOutcome.Kind.IN_PROGRESS) {
        throw new DeliveryPendingException(outcome.record().runId(), change.sequence());
      }
      return Optional.of(outcome);
    } catch (WorkflowEngine.RejectedRunException rejected) {
      return Optional.of(engine.services().runs().load(rejected.runId()).map(e -> new RunOutcome(e.record(), null, RunOutcome.Kind.COMPLETED))
          .orElseThrow(() -> new IllegalStateException("run " + rejected.runId() + " was rejected but not recorded")));
    }
  }

  /** The run id a change gives a workflow: the same on every delivery of that change. */
  public static String runId(WorkflowDefinition wf, ThingChange change) {
    return Ids.derived(change.at(), TRIGGER, wf.name(), change.sequence());
  }

  /** What a data_change condition sees: {@code $old}, {@code $new} (each unbound when there is no such thing) and {@code $change}. */
  public static Scope scope(ThingChange change) {
    return new Scope(null, null, null, null, null, ThingChange.variables(change.params()));
  }
}
