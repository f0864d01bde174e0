package dev.backendworkflows.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.ExpressionException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplateTest {
  private final Scope scope = new Scope(
      Map.of("name", "Ada", "round", 2, "tags", List.of("a", "b")),
      Map.of("user", Map.of("email", "ada@example.com", "age", 36)),
      Map.of("id", "run-1", "workflow", "w"),
      "2026-03-01T09:00:00Z");

  private Object eval(Object template) {
    return Template.of(template).evaluate(scope);
  }

  @Test
  void wholeStringExpressionKeepsItsType() {
    assertThat(eval("{% $params.round + 1 %}")).isEqualTo(3);
    assertThat(eval("{% $params.tags %}")).isEqualTo(List.of("a", "b"));
    assertThat(eval("{% $steps.user %}")).isEqualTo(Map.of("email", "ada@example.com", "age", 36));
    assertThat(eval("  {% $params.round > 1 %} ")).isEqualTo(true);
  }

  @Test
  void mixedTextInterpolates() {
    assertThat(eval("Reminder {% $params.round %} for {% $params.name %}")).isEqualTo("Reminder 2 for Ada");
    assertThat(eval("tags: {% $params.tags %}")).isEqualTo("tags: [\"a\",\"b\"]");
  }

  @Test
  void undefinedIsNullAndRendersAsNothing() {
    assertThat(eval("{% $steps.nobody.email %}")).isNull();
    assertThat(eval("to: {% $steps.nobody.email %}.")).isEqualTo("to: .");
  }

  @Test
  void plainValuesPassThroughAndContainersEvaluateMemberwise() {
    assertThat(eval("no expression here")).isEqualTo("no expression here");
    assertThat(eval(42)).isEqualTo(42);
    assertThat(eval(Map.of("who", "{% $params.name %}", "list", List.of("{% $params.round %}", true))))
        .isEqualTo(Map.of("who", "Ada", "list", List.of(2, true)));
  }

  @Test
  void undefinedMembersAreLeftOutButNullIsKept() {
    java.util.Map<String, Object> withNull = new java.util.HashMap<>();
    withNull.put("cleared", null);
    withNull.put("gone", "{% $steps.nobody %}");
    withNull.put("computed_null", "{% null %}");
    java.util.Map<String, Object> expected = new java.util.HashMap<>();
    expected.put("cleared", null);
    assertThat(eval(withNull)).isEqualTo(expected);
  }

  @Test
  void runAndNowAreBound() {
    assertThat(eval("{% $run.id %}")).isEqualTo("run-1");
    assertThat(eval("{% $now %}")).isEqualTo("2026-03-01T09:00:00Z");
    assertThat(eval("{% params.name %}")).isEqualTo("Ada");
  }

  @Test
  void decimalsStayDecimal() {
    assertThat(eval("{% 1.5 * 3 %}")).isEqualTo(new BigDecimal("4.5"));
    assertThat(eval("{% 2.5 * 2 %}")).isEqualTo(5);
  }

  @Test
  void syntaxErrorFailsAtCompile() {
    assertThatThrownBy(() -> Template.of("{% $params.( %}")).isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("JSONata syntax error in '$params.('");
  }

  @Test
  void runtimeErrorNamesTheExpression() {
    assertThatThrownBy(() -> eval("{% $number('x') %}")).isInstanceOf(ExpressionException.class)
        .hasMessageStartingWith("cannot evaluate '$number('x')'");
  }

  @Test
  void runawayExpressionIsStopped() {
    assertThatThrownBy(() -> eval("{% ($f := function($n){ $f($n + 1) }; $f(0)) %}"))
        .isInstanceOf(ExpressionException.class);
  }
}
