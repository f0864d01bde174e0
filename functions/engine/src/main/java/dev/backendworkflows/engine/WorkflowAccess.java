package dev.backendworkflows.engine;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.actions.ActionRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a workflow's function is granted, and nothing more: the {@link Access} its trigger's
 * deliveries need and its steps' actions declare, plus the secrets and senders it declares —
 * including those of the custom events it triggers, which run inside it. {@code template.yaml}'s
 * policies are generated from this, and a test runs every kind of work through recording ports to
 * show that nothing a function does is missing here.
 */
public record WorkflowAccess(Set<Access> access, List<String> secrets, List<String> senders) {
  public WorkflowAccess {
    access = Set.copyOf(access);
    secrets = List.copyOf(secrets);
    senders = List.copyOf(senders);
  }

  /** The grants of {@code workflow}'s function, among {@code all} workflows, with {@code actions} as the runtime's actions. */
  public static WorkflowAccess of(WorkflowDefinition workflow, Workflows all, ActionRegistry actions) {
    Set<Access> access = EnumSet.noneOf(Access.class);
    access.addAll(ofTrigger(workflow, all));
    Set<String> secrets = new TreeSet<>();
    Set<String> senders = new LinkedHashSet<>();
    Set<String> seen = new java.util.HashSet<>();
    Deque<WorkflowDefinition> todo = new ArrayDeque<>(List.of(workflow));
    while (!todo.isEmpty()) {
      WorkflowDefinition w = todo.pop();
      if (!seen.add(w.name())) {
        continue;
      }
      secrets.addAll(w.secrets());
      senders.addAll(w.senders());
      for (StepDefinition step : w.steps()) {
        if (actions.has(step.action())) {
          access.addAll(actions.get(step.action()).access(step));
        }
        if (step.action().equals("trigger_event") && step.rawArgs().get("event") instanceof String event) {
          all.get(event).ifPresent(todo::push);
        }
      }
    }
    return new WorkflowAccess(access, List.copyOf(secrets), List.copyOf(senders));
  }

  /** What the deliveries of the workflow's trigger touch before and after its steps. */
  private static Set<Access> ofTrigger(WorkflowDefinition workflow, Workflows all) {
    Trigger trigger = workflow.trigger();
    return switch (trigger.kind()) {
      case API -> trigger.auth() == Trigger.Auth.API_KEY ? Set.of(Access.API_KEYS) : Set.of();
      // scheduled runs and batch chunks are claimed in the Schedules table; a chunk arranges the next
      // one, and a chunk of a batch over a search fetches its page of things
      case SCHEDULE -> searchBatchTarget(workflow.name(), all)
          ? Set.of(Access.SCHEDULES, Access.SCHEDULER, Access.THINGS) : Set.of(Access.SCHEDULES, Access.SCHEDULER);
      case RECURRING -> Set.of(Access.SCHEDULES);
      case CUSTOM_EVENT -> Set.of();
    };
  }

  /** Whether some step schedules {@code workflow} on a list of things that a search yields page by page. */
  private static boolean searchBatchTarget(String workflow, Workflows all) {
    return all.byName().values().stream().flatMap(w -> w.steps().stream()).anyMatch(s -> s.action().equals("schedule_on_list")
        && workflow.equals(s.rawArgs().get("workflow")) && s.rawArgs().containsKey("search"));
  }
}
