package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Whatever a run holds, what is stored of it fits one DynamoDB item. */
class ItemBudgetTest {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
  private static final String HUGE = "z".repeat(300_000);

  private static int stored(Execution e) {
    return ItemBudget.bytes(e.record()) + ItemBudget.bytes(e.journal());
  }

  @Test
  void hugeReasonsErrorsOutputsAndParametersAreCutToFit() {
    List<StepRecord> steps = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      steps.add(new StepRecord(i, "s" + i, "api_call", true, StepRecord.FAILED, 1, Map.of("body", HUGE),
          new ErrorInfo("boom", HUGE, List.of(new ErrorInfo.FieldError(HUGE, "bad", HUGE))), 1, T0));
    }
    RunRecord r = new RunRecord("r", "wf", "v", "api", "k", "test", Map.of("a", HUGE, "b", HUGE), RunStatus.TERMINATED, T0, T0, 0L,
        steps, new ErrorInfo("boom", HUGE), HUGE, Map.of("big", HUGE), 0, 1);
    Map<String, Object> params = Map.of("p", "y".repeat(ItemBudget.MAX_PARAMS_BYTES - 20));
    Execution fitted = ItemBudget.fit(new Execution(r, new Journal(params, Map.of("s1", HUGE), List.of(), HUGE, true, false, null, 0),
        1, null, 1));
    assertThat(stored(fitted)).isLessThanOrEqualTo(ItemBudget.BUDGET);
    assertThat(fitted.journal().params()).isEqualTo(params);
    assertThat(fitted.journal().dropped()).contains("s1");
    assertThat(fitted.journal().responseDropped()).isTrue();
    assertThat(fitted.record().reason()).endsWith("(truncated, 300000 chars)");
  }

  @Test
  void resultsOfEffectfulStepsAreKeptBeforeReadsWhenNotAllFit() {
    RunRecord r = new RunRecord("r", "wf", "v", "api", "k", "test", Map.of(), RunStatus.RUNNING, T0, null, null, List.of(), null,
        null, null, 0, 1);
    Map<String, Object> results = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      results.put("read" + i, "r".repeat(60_000));
    }
    results.put("charge", "c".repeat(60_000));
    Execution fitted = ItemBudget.fit(new Execution(r, new Journal(Map.of(), results, List.of(), null, false, false, null, 0), 1,
        null, 1), Set.of("charge"));
    assertThat(fitted.journal().results()).containsKey("charge");
    assertThat(fitted.journal().dropped()).isNotEmpty().doesNotContain("charge");
    assertThat(stored(fitted)).isLessThanOrEqualTo(ItemBudget.BUDGET);
  }

  @org.junit.jupiter.api.Test
  void bytes_ofTextInAnyPlane_isTheUtf8LengthOfItsJson() {
    for (Object value : java.util.List.of("plain", "é", "€", "x\uD83D\uDE00y", java.util.Map.of("k", "\uD83D\uDE00\uD83D\uDE00 ü"),
        java.util.List.of(1, 2.5, true, "\u0000\n"))) {
      assertThat(ItemBudget.bytes(value)).as("%s", value)
          .isEqualTo(dev.backendworkflows.internal.Json.write(value).getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }
  }
}
