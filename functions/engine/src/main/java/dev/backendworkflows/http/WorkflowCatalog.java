package dev.backendworkflows.http;

import dev.backendworkflows.definition.ParameterSpec;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.expression.Expression;
import dev.backendworkflows.expression.Template;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The loaded workflows as {@code GET /workflows} shows them (the dashboard draws them): trigger,
 * auth, parameters, and each step with its condition as written. Secret values never appear: a
 * definition holds none, and a secret parameter's default is withheld.
 */
public final class WorkflowCatalog {
  private WorkflowCatalog() {}

  /** Every workflow, by name. */
  public static List<Map<String, Object>> describe(Workflows workflows) {
    return workflows.byName().values().stream()
        .sorted(java.util.Comparator.comparing(WorkflowDefinition::name))
        .map(WorkflowCatalog::describe).toList();
  }

  /** One workflow. */
  public static Map<String, Object> describe(WorkflowDefinition wf) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", wf.name());
    out.put("description", wf.description());
    out.put("version", wf.version());
    out.put("trigger", trigger(wf.trigger()));
    List<Map<String, Object>> params = new ArrayList<>();
    for (ParameterSpec p : wf.parameters().values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", p.name());
      m.put("type", p.type().wire());
      m.put("list", p.list());
      m.put("required", p.required());
      m.put("secret", p.secret());
      if (p.defaultValue() != null && !p.secret()) {
        m.put("default", p.defaultValue());
      }
      params.add(m);
    }
    out.put("parameters", params);
    out.put("steps", wf.steps().stream().map(WorkflowCatalog::step).toList());
    out.put("max_attempts", wf.maxAttempts());
    return out;
  }

  private static Map<String, Object> trigger(Trigger t) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("kind", t.kind().name().toLowerCase(Locale.ROOT));
    if (t.kind() == Trigger.Kind.API) {
      m.put("auth", t.auth().name().toLowerCase(Locale.ROOT));
    }
    if (t.recurring() != null) {
      m.put("every", t.recurring().expression().text());
      m.put("timezone", t.recurring().expression().zone().getId());
    }
    if (t.dataChange() != null) {
      Trigger.DataChange dc = t.dataChange();
      m.put("type", dc.type());
      m.put("on", dc.on().stream().map(Trigger.ChangeEvent::wire).sorted().toList());
      m.put("fields", dc.fields());
      m.put("when", dc.when() == null ? null : text(dc.when()));
    }
    return m;
  }

  private static Map<String, Object> step(StepDefinition s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("index", s.index());
    m.put("id", s.id());
    m.put("action", s.action());
    m.put("condition", s.when() == null ? null : text(s.when()));
    m.put("args", s.rawArgs());
    return m;
  }

  /** A template as written: its expressions in {@code {% %}}, or its literal value. */
  static String text(Object template) {
    if (template instanceof Template t) {
      List<Expression> expressions = t.expressions();
      if (t instanceof Template.Literal l) {
        return String.valueOf(l.value());
      }
      return String.join(" … ", expressions.stream().map(e -> "{% " + e.source().strip() + " %}").toList());
    }
    return String.valueOf(template);
  }
}
