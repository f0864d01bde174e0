package dev.backendworkflows.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.ExpressionException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * An expression's budget holds — over many evaluation steps and inside one long built-in call
 * alike — and one slow evaluation never holds up another of the same expression.
 */
class ExpressionBudgetTest {
  private static final Duration BUDGET = Duration.ofMillis(EvaluationBudget.TIME_MS);
  private static final List<Integer> BIG = IntStream.range(0, 90_000).boxed().toList();

  /** Small input: a list of 3 and a short text. Large: the caller's input that makes the same expression pathological. */
  private static Scope scope(boolean pathological) {
    return new Scope(Map.of(
        "items", pathological ? BIG : List.of(0, 1, 2),
        "text", pathological ? "a".repeat(40) + "!" : "aa"), Map.of(), Map.of(), "now");
  }

  private record Timed(Throwable error, Duration took) {}

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "$sum($params.items.($sum([1..500].($ * $))))", // many evaluation steps
      "$match($params.text, /^(a|aa)+\\1$/)", // one backtracking regex: exponential in the text's length
      "$replace($params.text, /^(a|aa)+\\1$/, 'x')",
      "$contains($params.text, /^(a|aa)+\\1$/)",
      "$split($params.text, /^(a|aa)+\\1$/)",
      "$params.text ~> $match(/^(a|aa)+\\1$/)",
      "$sort($params.items, function($a, $b) { $sum([1..20]) > 0 and $a % 1000 > $b % 1000 })", // through a built-in's callback
  })
  void aPathologicalInputStopsWithinTheBudgetWhileOtherCallsKeepTheirLatency(String source) throws Exception {
    Expression expression = Expression.compile(source);
    expression.evaluate(scope(false)); // warm
    Scope pathological = scope(true);
    CompletableFuture<Timed> slow = CompletableFuture.supplyAsync(() -> {
      long t0 = System.nanoTime();
      try {
        expression.evaluate(pathological);
        return new Timed(null, Duration.ofNanos(System.nanoTime() - t0));
      } catch (Throwable e) {
        return new Timed(e, Duration.ofNanos(System.nanoTime() - t0));
      }
    });
    Thread.sleep(200); // the slow one is under way
    long quickStart = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      expression.evaluate(scope(false));
    }
    Duration quick = Duration.ofNanos(System.nanoTime() - quickStart);
    Timed stopped = slow.get(10, TimeUnit.SECONDS);
    assertThat(stopped.error()).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("cannot evaluate").hasMessageContaining("longer than its budget of 2000 ms");
    assertThat(quick).as("five small evaluations beside the slow one").isLessThan(Duration.ofMillis(500));
    assertThat(stopped.took()).as("the budget is 2 s; within it + 10 %").isBetween(BUDGET.minusMillis(50), BUDGET.plus(BUDGET.dividedBy(10)));
  }

  @Test
  void deepRecursionIsStoppedToo() {
    Expression deep = Expression.compile("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))");
    assertThatThrownBy(() -> deep.evaluate(scope(false))).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("nests deeper than 200 levels");
  }

  @Test
  void manyObjectsAreNotMistakenForDepth() {
    Expression objects = Expression.compile("$count($map([1..300], function($v) { {'a': $v, 'b': [$v, $v]} }))");
    assertThat(objects.evaluate(scope(false))).isEqualTo(300);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "$pad('x', 2000000000)",
      "$count([1..10000000])",
      "$zip([1..10000000], [1..10000000])",
      "$sort($shuffle([1..10000000]))",
      "($t := $pad('', 4000000, 'ab'); $string([$t, $t, $t]))",
      "($t := $pad('', 4000000, 'ab'); $join([$t, $t, $t]))",
      "$replace($pad('', 100000, 'a'), /a+/, $join($split($pad('', 20000, 'x'), 'x'), '$0'))",
      "$split($pad('', 300000, 'a'), '')",
      "$match($pad('', 300000, 'a'), /a/)",
  })
  void whatWouldGrowPastTheLimitsIsRefusedAtOnce(String source) {
    Expression e = Expression.compile(source);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> e.evaluate(scope(false))).isInstanceOf(ExpressionException.class).hasMessageContaining("over the limit");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(1_500));
  }

  @Test
  void whatTheParserCannotReadIsASyntaxError() {
    assertThatThrownBy(() -> Expression.compile("$params.text ~> /a/")).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("cannot compile").hasMessageNotContaining("Exception");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "($r := /^(a|aa)+\\1$/; $r($params.text))",
      "$map([$params.text], /a/)",
      "$params.text ~> $map(/a/)",
      "{'pattern': /a/}",
  })
  void aRegexOutsideTheTextFunctionsIsRefusedWhenCompiled(String source) {
    assertThatThrownBy(() -> Expression.compile(source)).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("is used other than as the pattern of $match, $contains, $replace or $split");
  }
}
