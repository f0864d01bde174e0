package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.exceptions.ActionException;
import java.util.EnumSet;
import java.util.Set;

/** What a step does. Implementations are stateless; the context carries the step's evaluated arguments. */
public interface Action {
  /** The name definitions use in {@code action:}. */
  String name();

  /**
   * Does the work.
   *
   * @return the step's result, visible to later steps as {@code $steps.<id>}
   * @throws ActionException when the work cannot be done; the run fails with its code and message
   */
  Object execute(ActionContext ctx);

  /**
   * Whether the action has an effect outside its run (writes data, sends, schedules, calls). Before
   * such a step starts, the run's journal is written, so a crash can never make it run blind;
   * actions that only read or compute may say false and ride along with the next write. Custom
   * actions are treated as effectful unless they say otherwise.
   */
  default boolean effectful() {
    return true;
  }

  /**
   * True when a replay of the step — run again after a crash, with no journal mark that it started —
   * finds the effect an earlier attempt made instead of repeating it, even when the attempt that made
   * it is still running (a create that takes a once-only receipt keyed by the step). Such a step is
   * not marked before it runs when it also reads only fixed inputs
   * ({@link dev.backendworkflows.definition.StepDefinition#readsOnlyFixedInputs}) and no step since
   * the run's last write decided something a replay could decide otherwise. False by default.
   */
  default boolean findsItsOwnEffect() {
    return false;
  }

  /**
   * The result of this step, which ran to its end in an earlier attempt whose journal could not keep
   * that result (it was too large), derived again without doing the effect again where the action
   * can (it reads back what it created or changed). By default the step runs again as a replay
   * ({@link ActionContext#replaying()} is true), so it must find its own earlier effect.
   */
  default Object recover(ActionContext ctx) {
    return execute(ctx);
  }

  /**
   * What the action touches beyond its run, which its workflow's function is granted (and nothing
   * else). Custom actions that do not say get everything.
   */
  default Set<Access> access(StepDefinition step) {
    return EnumSet.allOf(Access.class);
  }
}
