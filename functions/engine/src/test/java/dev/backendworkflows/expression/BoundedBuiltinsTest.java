package dev.backendworkflows.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.ExpressionException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The built-ins that run within the budget behave as JSONata specifies them. */
class BoundedBuiltinsTest {
  private static Object eval(String source) {
    return Expression.compile(source).evaluate(new Scope(Map.of("text", "one two  three"), Map.of(), Map.of(), "now"));
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', ignoreLeadingAndTrailingWhitespace = false, value = {
      "$pad('ab', 5)|ab   ",
      "$pad('ab', -5)|   ab",
      "$pad('ab', 7, '-+')|ab-+-+-",
      "$pad('ab', -6, 'xy')|xyxyab",
      "$pad('abcdef', 3)|abcdef",
      "$pad('ab', 4, '')|ab  ",
      "'é😀' ~> $pad(4, '*')|é😀**",
      "$replace('a-b-c', '-', '+')|a+b+c",
      "$replace('a-b-c', '-', '$1')|a$1b$1c",
      "$replace('a-b-c', '-', '+', 1)|a+b-c",
      "$replace('a-b-c', '-', '+', 0)|a-b-c",
      "$replace('John Smith', /(\\w+)\\s(\\w+)/, '$2, $1')|Smith, John",
      "$replace('265USD', /([0-9]+)USD/, '$$$1')|$265",
      "$replace('abc', /b/, '[$0]')|a[b]c",
      "$replace('abc', /(b)/, '$12')|ab2c",
      "$replace('abc', /(b)/, '$9')|ac",
      "$replace('a1b22c', /[0-9]+/, '#', 1)|a#b22c",
      "$replace('a1b22c', /[0-9]+/, function($m) { $string($number($m.match) * 2) })|a2b44c",
      "$replace('a1b22c', /[0-9]+/, function($m) { $string($m.index) })|a1b3c",
      "$contains('hello', 'ell')|true",
      "$contains('hello', /l+o$/)|true",
      "$contains('hello', /^l/)|false",
      "$join($split('a1b22c', /[0-9]+/), ',')|a,b,c",
      "$join($split('a1b22c', /[0-9]+/, 2), ',')|a,b",
      "$join($split('a, b', ', '), ';')|a;b",
      "$join($split('abc', ''), ',')|a,b,c",
      "$count($match('a1b22c333', /[0-9]+/))|3",
      "$count($match('a1b22c333', /[0-9]+/, 2))|2",
      "$match('a1b22c', /([a-z])([0-9]+)/)[1].groups[1]|22",
      "$match('a1b22c', /[0-9]+/)[1].index|3",
      "$match('a1b22c', /[0-9]+/)[1].match|22",
      "$join($params.text ~> $split(/\\s+/), '_')|one_two_three",
      "$fromMillis(0, '[Y0001]-[M01]-[D01]')|1970-01-01",
      "$fromMillis(86400000)|1970-01-02T00:00:00.000Z",
      "$toMillis('1970-01-02', '[Y]-[M]-[D]')|86400000",
      "$formatInteger(1234, '#,##0')|1,234",
      "$parseInteger('1,234', '#,##0')|1234",
      "$substringBefore('a-b-c', '-')|a",
      "$substringAfter('a-b-c', '-')|b-c",
  })
  void builtInsKeepTheirMeaning(String expression, String expected) {
    assertThat(String.valueOf(eval(expression))).isEqualTo(expected);
  }

  @Test
  void matchWithoutAMatchIsAnEmptyList() {
    assertThat(eval("$match('abc', /[0-9]/)")).isNull(); // an empty sequence is "nothing" in JSONata
    assertThat(eval("$match('abc', /[0-9]/)[0]")).isNull();
    assertThat(eval("$count($match('abc', /[0-9]/))")).isEqualTo(0);
  }

  @Test
  void undefinedTextStaysUndefined() {
    assertThat(eval("$pad($params.missing, 3)")).isNull();
    assertThat(eval("$replace($params.missing, 'a', 'b')")).isNull();
    assertThat(eval("$split($params.missing, /a/)")).isNull();
    assertThat(eval("$match($params.missing, /a/)")).isNull();
    assertThat(eval("$contains($params.missing, /a/)")).isNull();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "$replace('abc', '', 'x')|cannot evaluate",
      "$replace('abc', 'b', 'x', -1)|cannot evaluate",
      "$match('abc', /b/, -1)|cannot evaluate",
      "$split('abc', /b/, -1)|cannot evaluate",
      "$replace('abc', /b/, function($m) { 1 })|cannot evaluate",
      "$match('abc', 'b')|cannot evaluate",
      "$eval('1 + 1')|$eval is not available",
      "($e := $eval; $e('1 + 1'))|$eval is not available",
  })
  void misuseFailsTheEvaluation(String expression, String message) {
    assertThatThrownBy(() -> eval(expression)).isInstanceOf(ExpressionException.class).hasMessageContaining(message);
  }

  @Test
  void textsThatWouldOutgrowTheLimitAreRefusedBeforeTheyAreBuilt() {
    assertThatThrownBy(() -> eval("$pad('', 100000000)")).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("characters, over the limit of " + EvaluationBudget.MAX_TEXT_CHARS);
    assertThatThrownBy(() -> eval("$replace($pad('', 4000), ' ', $pad('', 4000))")).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("over the limit");
    assertThatThrownBy(() -> eval("$reduce([1..40], function($acc, $i) { $acc & $acc }, 'ab')")).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("over the limit");
    assertThat((String) eval("$pad('', 1000000)")).hasSize(1_000_000); // large but within the limit, and fast
    assertThat(eval("$count($split($pad('', 100000, 'a,'), ','))")).isEqualTo(50_001);
  }
}
