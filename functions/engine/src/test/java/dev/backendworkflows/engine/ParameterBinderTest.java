package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.runlog.ErrorInfo.FieldError;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ParameterBinderTest {
  private final WorkflowDefinition wf = Fixtures.workflows("p.yaml", """
      name: p
      trigger: { api: {} }
      parameters:
        title: { type: text, required: true }
        count: { type: number, default: 1 }
        flag: { type: boolean }
        due: { type: date }
        meta: { type: object }
        scores: { type: number, list: true }
        token: { type: text, secret: true }
      steps: [ { action: return } ]
      """).get("p").orElseThrow();

  private List<FieldError> errors(Map<String, Object> input) {
    return catchThrowableOfType(InvalidInputException.class, () -> ParameterBinder.bind(wf, input)).fields();
  }

  @Test
  void bindsEveryTypeAndAppliesDefaults() {
    Map<String, Object> bound = ParameterBinder.bind(wf, Map.of("title", "t", "flag", true, "due", "2026-03-01",
        "meta", Map.of("a", 1), "scores", List.of(1, 2.5)));
    assertThat(bound).containsEntry("title", "t").containsEntry("count", 1).containsEntry("flag", true)
        .containsEntry("due", "2026-03-01T00:00:00Z").containsEntry("meta", Map.of("a", 1))
        .doesNotContainKey("token");
    assertThat(bound.get("scores")).asList().hasSize(2);
  }

  @Test
  void datesAreNormalisedToUtc() {
    assertThat(ParameterBinder.bind(wf, Map.of("title", "t", "due", "2026-03-01T10:00:00+01:00")))
        .containsEntry("due", "2026-03-01T09:00:00Z");
  }

  @Test
  void missingRequiredIsNamed() {
    assertThat(errors(Map.of())).containsExactly(new FieldError("title", "required", "is required (text)"));
  }

  @Test
  void everyBadFieldIsNamedAtOnce() {
    assertThat(errors(Map.of("title", 5, "count", "many", "flag", "yes", "due", "soon", "meta", List.of(),
        "scores", List.of(1, "two"), "colour", "red")))
        .extracting(FieldError::field)
        .containsExactlyInAnyOrder("title", "count", "flag", "due", "meta", "scores[1]", "colour");
  }

  @Test
  void unknownParameterSaysWhatIsAccepted() {
    assertThat(errors(Map.of("title", "t", "colour", "red"))).singleElement().satisfies(e -> {
      assertThat(e.code()).isEqualTo("unknown_parameter");
      assertThat(e.message()).contains("title, count, flag, due, meta, scores, token");
    });
  }

  @Test
  void secretsAreRedactedForTheRunLog() {
    Map<String, Object> bound = ParameterBinder.bind(wf, Map.of("title", "t", "token", "s3cret"));
    assertThat(ParameterBinder.redact(wf, bound)).containsEntry("token", "***").containsEntry("title", "t");
  }
}
