package dev.backendworkflows.expression;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.ExpressionException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** An expression's time budget holds, and one slow evaluation never holds up another of the same expression. */
class ExpressionBudgetTest {
  // cheap for a small list, far over budget for a large one: the caller's input decides
  private static final Expression SLOW_ON_BIG_INPUT = Expression.compile("$sum($params.items.($sum([1..500].($ * $))))");

  private static Scope scope(int items) {
    return new Scope(Map.of("items", java.util.stream.IntStream.range(0, items).boxed().toList()), Map.of(), Map.of(), "now");
  }

  @Test
  void aPathologicalInputStopsWithinTheBudgetWhileOtherCallsKeepTheirLatency() throws Exception {
    assertThat(SLOW_ON_BIG_INPUT.evaluate(scope(3))).isNotNull(); // warm
    long t0 = System.nanoTime();
    CompletableFuture<Throwable> slow = CompletableFuture.supplyAsync(() -> {
      try {
        SLOW_ON_BIG_INPUT.evaluate(scope(2_000_000));
        return null;
      } catch (Throwable e) {
        return e;
      }
    });
    Thread.sleep(200); // the slow one is under way
    long quickStart = System.nanoTime();
    for (int i = 0; i < 5; i++) {
      assertThat(SLOW_ON_BIG_INPUT.evaluate(scope(3))).isNotNull();
    }
    Duration quick = Duration.ofNanos(System.nanoTime() - quickStart);
    Throwable stopped = slow.get(10, TimeUnit.SECONDS);
    Duration slowTook = Duration.ofNanos(System.nanoTime() - t0);
    assertThat(stopped).isInstanceOf(ExpressionException.class);
    assertThat(quick).as("five small evaluations beside the slow one").isLessThan(Duration.ofMillis(500));
    assertThat(slowTook).as("the budget is 2 s").isBetween(Duration.ofMillis(1_800), Duration.ofMillis(2_200));
    assertThat(stopped.getMessage()).as("stopped by the budget, not by an error").contains("cannot evaluate");
  }

  @Test
  void deepRecursionIsStoppedToo() {
    Expression deep = Expression.compile("($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))");
    assertThatThrownBy(() -> deep.evaluate(scope(0))).isInstanceOf(ExpressionException.class)
        .hasMessageContaining("cannot evaluate");
  }
}
