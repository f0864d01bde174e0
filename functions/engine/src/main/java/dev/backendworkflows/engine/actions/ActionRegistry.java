package dev.backendworkflows.engine.actions;

import dev.backendworkflows.exceptions.ActionException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The actions a runtime offers, by name: the built-ins plus custom Java actions (the extension
 * point, like Bubble plugins). A step whose action a runtime lacks fails with
 * {@code action_unavailable} instead of pretending to work.
 */
public final class ActionRegistry {
  private final Map<String, Action> actions;

  private ActionRegistry(List<Action> actions) {
    this.actions = actions.stream().collect(Collectors.toUnmodifiableMap(Action::name, Function.identity()));
  }

  /** The built-in actions plus {@code custom} ones. */
  public static ActionRegistry builtIn(Action... custom) {
    List<Action> all = new ArrayList<>();
    all.addAll(DataActions.all());
    all.addAll(FlowActions.all());
    all.addAll(ScheduleActions.all());
    all.addAll(EmailActions.all());
    all.addAll(EventActions.all());
    all.addAll(ApiActions.all());
    all.addAll(List.of(custom));
    return new ActionRegistry(all);
  }

  /** Exactly these actions (a custom runtime, or a test of what happens without one). */
  public static ActionRegistry of(Action... actions) {
    return new ActionRegistry(List.of(actions));
  }

  public Action get(String name) {
    Action a = actions.get(name);
    if (a == null) {
      throw new ActionException("action_unavailable", "action '" + name + "' is part of the definition language but not available in this runtime yet");
    }
    return a;
  }

  public boolean has(String name) {
    return actions.containsKey(name);
  }
}
