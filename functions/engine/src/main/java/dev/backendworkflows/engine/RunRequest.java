package dev.backendworkflows.engine;

import java.util.Map;

/**
 * A request to run a workflow: its raw input, what triggered it, who called, and for user-auth
 * workflows the caller's verified JWT claims (visible to expressions as {@code $run.user}); {@code depth}
 * counts nested custom events.
 */
public record RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user,
    int depth) {
  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller, Map<String, Object> user) {
    this(workflow, input, trigger, caller, user, 0);
  }

  public RunRequest(String workflow, Map<String, Object> input, String trigger, String caller) {
    this(workflow, input, trigger, caller, null, 0);
  }
}
