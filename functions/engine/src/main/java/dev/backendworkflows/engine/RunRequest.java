package dev.backendworkflows.engine;

import dev.backendworkflows.execution.Invocation;
import java.util.Map;

/**
 * A request to run a workflow: its raw input, what triggered it, who called, and for user-auth
 * workflows the caller's verified JWT claims (visible to expressions as {@code $run.user}); {@code depth}
 * counts nested custom events. {@code runId} is the execution id when the caller has one (a scheduled
 * run's id, a derived custom-event id, an idempotency key's run): asking again for the same id
 * continues or replays that execution rather than starting another. {@code invocation} is the one
 * the attempt runs in; {@code storedInput} says the input was checked when it was stored ({@link #stored()}).
 */
public record RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user,
    int depth, String runId, Invocation invocation, boolean storedInput) {

  public RunRequest {
    invocation = invocation == null ? Invocation.untimed() : invocation;
  }

  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user,
      int depth, String runId, Invocation invocation) {
    this(workflow, input, trigger, caller, user, depth, runId, invocation, false);
  }

  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user,
      int depth) {
    this(workflow, input, trigger, caller, user, depth, null, null);
  }

  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user) {
    this(workflow, input, trigger, caller, user, 0);
  }

  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller) {
    this(workflow, input, trigger, caller, null, 0);
  }

  /** This request as execution {@code id} in {@code in}. */
  public RunRequest as(String id, Invocation in) {
    return new RunRequest(workflow, input, trigger, caller, user, depth, id, in, storedInput);
  }

  /**
   * This request with input that was checked against the workflow when it was stored (a scheduled
   * run's parameters): if it no longer binds, the definition changed since, and the run is
   * rejected as {@code version_mismatch}.
   */
  public RunRequest stored() {
    return new RunRequest(workflow, input, trigger, caller, user, depth, runId, invocation, true);
  }
}
