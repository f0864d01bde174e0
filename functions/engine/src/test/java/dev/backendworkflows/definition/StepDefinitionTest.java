package dev.backendworkflows.definition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.expression.Template;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which steps a replay computes the same way: judged on the parsed expressions, erring towards "not fixed". */
class StepDefinitionTest {
  private static StepDefinition step(String when, Object text) {
    return new StepDefinition(0, "s", "create_thing", when == null ? null : Template.of(when),
        Map.of("type", Template.of("note"), "fields", Template.of(Map.of("text", text))), Map.of());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a literal", "{% $params.text %}", "{% $params.text & ' ' & $string($params.n * 2) %}",
      "{% $uppercase($params.text) %}", "{% $now %}", "{% $step.index %}", "{% $params.items[price > 5].name %}",
      "{% $map($params.items, function($v) { $v.name }) %}", "{% ($n := $params.n; $n * 2) %}",
      "{% $fromMillis($toMillis($params.at) + 1000) %}"})
  void readsOnlyFixedInputs_whenOnlyParametersTheClockOrTheStepAreRead_isTrue(String text) {
    assertThat(step(null, text).readsOnlyFixedInputs()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{% $steps.u.age + 1 %}", "{% steps.u.age %}", "{% $run.attempt %}", "{% *.u.age %}", "{% **.age %}",
      "{% $lookup($, 'ste' & 'ps').u.age %}", "{% $string($) %}", "{% $each($$, function($v) { $v }) %}",
      "text {% $params.text %} and {% $steps.u.name %}", "{% $millis() %}", "{% $random() %}", "{% $shuffle($params.items) %}",
      "{% $lookup(params.%, 'steps') %}", "{% $customFunction($params.x) %}", "{% ($steps := 1; $steps) %}"})
  void readsOnlyFixedInputs_whenEarlierResultsCanBeReached_isFalse(String text) {
    assertThat(step(null, text).readsOnlyFixedInputs()).isFalse();
  }

  @Test
  void readsOnlyFixedInputs_judgesTheConditionToo() {
    assertThat(step("{% $params.go %}", "x").readsOnlyFixedInputs()).isTrue();
    assertThat(step("{% $steps.found.count = 0 %}", "x").readsOnlyFixedInputs()).isFalse();
  }
}
