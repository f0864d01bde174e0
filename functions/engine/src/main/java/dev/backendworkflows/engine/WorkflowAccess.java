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

  /** Steps that make another workflow run later, delivered to that workflow's function. */
  private static final Set<String> SCHEDULING_ACTIONS = Set.of("schedule_workflow", "schedule_on_list", "set_recurring");

  /** What the deliveries that reach the workflow's function touch before and after its steps. */
  private static Set<Access> ofTrigger(WorkflowDefinition workflow, Workflows all) {
    Trigger trigger = workflow.trigger();
    if (trigger.kind() == Trigger.Kind.CUSTOM_EVENT) {
      return Set.of(); // no function of its own: it runs inside the functions that trigger it
    }
    Set<Access> access = EnumSet.noneOf(Access.class);
    if (trigger.kind() == Trigger.Kind.API && trigger.auth() == Trigger.Auth.API_KEY) {
      access.add(Access.API_KEYS);
    }
    if (trigger.kind() == Trigger.Kind.RECURRING) {
      access.add(Access.SCHEDULES); // each firing is claimed as a scheduled run
    }
    // any workflow another one schedules (whatever its trigger) is delivered scheduled runs and
    // recurring-event firings, claimed in the Schedules table; a batch chunk also arranges the next
    // chunk, and a chunk of a batch over a search fetches its page of things
    if (trigger.kind() == Trigger.Kind.SCHEDULE || scheduledBy(workflow.name(), all, SCHEDULING_ACTIONS, false)) {
      access.add(Access.SCHEDULES);
    }
    if (scheduledBy(workflow.name(), all, Set.of("schedule_on_list"), false)) {
      access.add(Access.SCHEDULER);
    }
    if (scheduledBy(workflow.name(), all, Set.of("schedule_on_list"), true)) {
      access.add(Access.THINGS);
    }
    return access;
  }

  /** Whether a step of one of {@code actions} schedules {@code workflow} ({@code overSearch}: with a {@code search}). */
  private static boolean scheduledBy(String workflow, Workflows all, Set<String> actions, boolean overSearch) {
    return all.byName().values().stream().flatMap(w -> w.steps().stream())
        .anyMatch(s -> actions.contains(s.action()) && workflow.equals(s.rawArgs().get("workflow"))
            && (!overSearch || s.rawArgs().containsKey("search")));
  }
}
