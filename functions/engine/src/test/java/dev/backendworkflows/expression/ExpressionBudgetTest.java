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
    // stopped by the clock, or — for steps that pile up results — by the total they produced, whichever comes first
    assertThat(stopped.error()).isInstanceOf(ExpressionException.class).hasMessageContaining("cannot evaluate")
        .hasMessageMatching("(?s).*(longer than its budget of 2000 ms|in all, over the limit).*");
    assertThat(quick).as("five small evaluations beside the slow one").isLessThan(Duration.ofMillis(500));
    assertThat(stopped.took()).as("the budget is 2 s; within it + 10 %").isLessThan(BUDGET.plus(BUDGET.dividedBy(10)));
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
      "[1..100000].{'a': [1..100000]}", // lazy lists, each allowed, that add up
      "[1..300].([1..100000])",
      "($s := $pad('', 4000000, 'x'); $map([1..100000], function($i) { $s & $i }))", // texts that add up
      "($a := [1..1000]; $b := {'a': $a, 'b': $a, 'c': $a, 'd': $a, 'e': $a, 'f': $a, 'g': $a, 'h': $a, 'i': $a, 'j': $a}; $c := {'a': $b, 'b': $b, 'c': $b, 'd': $b, 'e': $b, 'f': $b, 'g': $b, 'h': $b, 'i': $b, 'j': $b}; $d := {'a': $c, 'b': $c, 'c': $c, 'd': $c, 'e': $c, 'f': $c, 'g': $c, 'h': $c, 'i': $c, 'j': $c}; $e := {'a': $d, 'b': $d, 'c': $d, 'd': $d, 'e': $d, 'f': $d, 'g': $d, 'h': $d, 'i': $d, 'j': $d}; $f := {'a': $e, 'b': $e, 'c': $e}; $f)", // one value used in many places: cheap to build, all of it to return
      "$count($match($pad('', 40000, 'a'), /(?=((((((((((.*)))))))))))./))", // every group a copy of the text
      "($x := [1..100000].(''); $n := $reduce([1..2000], function($acc, $i) { {'a': $acc} }, $x); $length($string($n, true)))",
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
      "$fromMillis(0, '[D,300000]')", // JSONata pads a width in a quadratic loop
      "$formatInteger(1, $pad('', 300000, '0'))",
      "$fromMillis(0, $pad('', 750000, '[D]'))", // and builds the text in one
      "$toMillis('11111111111111111111111111111x', '[d][d][d][d][d][d][d][d][d][d][d][d][d]')", // its own regex backtracks
  })
  void datePicturesBeyondTheirLimitsAreRefusedAtOnce(String source) {
    Expression e = Expression.compile(source);
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> e.evaluate(scope(false))).isInstanceOf(ExpressionException.class).hasMessageContaining("at most");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(500));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "($a := $pad('', 400000, 'a'); $contains($a & $a, $a & 'b'))", // a naive search: length × length
      "($a := $pad('', 400000, 'a'); $replace($a & $a, $a & 'b', 'x'))",
      "($a := $pad('', 400000, 'a'); $substringBefore($a & $a, $a & 'b'))",
      "($a := $pad('', 400000, 'a'); $substringAfter($a & $a, $a & 'b'))",
      "($a := $pad('', 400000, 'a'); $split($a & $a, $a & 'b'))",
  })
  void oneLongTextSearchEndsWithinTheBudget(String source) {
    Expression e = Expression.compile(source);
    long t0 = System.nanoTime();
    try {
      e.evaluate(scope(false)); // the search reads against the clock: it ends, or is stopped, in time
    } catch (ExpressionException stopped) {
      assertThat(stopped).hasMessageContaining("longer than its budget");
    }
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(BUDGET.plus(BUDGET.dividedBy(10)));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "[1][($r := /(.*a){20}$/; $r('x'))]", // in a filter's predicate
      "$params.items[$contains('x', /x/) and ($r := /a/; $r('a'))]",
      "($match := function($s, $r) { $r($s) }; $match('a', /a/))", // a text function's name bound to another
      "$map(['a'], function($replace) { $replace })",
      "($r := /^(a|aa)+\\1$/; $r($params.text))",
      "$map([$params.text], /a/)",
      "$params.text ~> $map(/a/)",
      "{'pattern': /a/}",
  })
  void aRegexOutsideTheTextFunctionsIsRefusedWhenCompiled(String source) {
    assertThatThrownBy(() -> Expression.compile(source)).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("regular expressions run within the expression's time budget only as the patterns of");
  }
}
