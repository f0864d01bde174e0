package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.internal.StructuredLog;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Actions that shape the run itself: return data, terminate, log. */
public final class FlowActions {
  private FlowActions() {}

  public static List<Action> all() {
    return List.of(new Return(), new Terminate(), new Log());
  }

  /** An action that touches nothing beyond its run. */
  private abstract static class FlowAction implements Action {
    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of();
    }
  }

  /** Bubble's "Return data from API": answers the caller; later steps still run. */
  static final class Return extends FlowAction {
    public String name() {
      return "return";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      Object data = ctx.arg("data");
      ctx.respond(data);
      return data;
    }
  }

  /** Ends the run with status terminated; the rest of the steps are skipped. */
  static final class Terminate extends FlowAction {
    public String name() {
      return "terminate";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      Object reason = ctx.arg("reason");
      String text = reason == null ? "terminated by step " + ctx.step().label() : String.valueOf(reason);
      ctx.terminate(text);
      return Map.of("reason", text);
    }
  }

  /** Writes a message (and optional data) to the run log and the function's structured log. */
  static final class Log extends FlowAction {
    public String name() {
      return "log";
    }

    @Override
    public boolean effectful() {
      return false;
    }

    public Object execute(ActionContext ctx) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("level", ctx.has("level") ? ctx.text("level") : "info");
      entry.put("message", String.valueOf(ctx.arg("message")));
      if (ctx.has("data")) {
        entry.put("data", ctx.arg("data"));
      }
      StructuredLog.write((String) entry.get("level"), (String) entry.get("message"), Map.of(
          "run_id", ctx.runId(), "workflow", ctx.workflow(), "step", ctx.step().label()));
      return entry;
    }
  }
}
