package dev.backendworkflows.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefinitionLoaderTest {

  /** Loads one workflow file and returns its errors as {@code file: path: reason} lines. */
  private static List<String> errorsOf(String file, String yaml) {
    try {
      Fixtures.workflows(file, yaml);
    } catch (DefinitionException e) {
      return e.errors().stream().map(DefinitionError::toString).toList();
    }
    throw new AssertionError("expected " + file + " to be rejected");
  }

  private static String wf(String name, String steps) {
    return "name: " + name + "\ntrigger: { api: {} }\nparameters:\n  id: { type: text }\nsteps:\n" + steps;
  }

  @Test
  void aKeyWrittenTwice_isAnError_notTheLastOneWinning() {
    assertThat(errorsOf("twice.yaml", """
        name: twice
        trigger: { api: {} }
        trigger: { schedule: {} }
        steps:
          - { action: log, message: hi }
        """)).singleElement().asString().startsWith("twice.yaml: line 3, column ").contains("Duplicate field 'trigger'");
  }

  @Test
  void aSecondYamlDocument_isAnError_notIgnored() {
    assertThat(errorsOf("two.yaml", """
        name: two
        trigger: { api: {} }
        steps:
          - { action: log, message: hi }
        ---
        name: three
        """)).singleElement().asString().contains("a second YAML document (after ---)");
  }

  @Test
  void aFileThatIsNotUtf8_isNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("data-schema.yaml"), Fixtures.DATA_SCHEMA);
    java.nio.file.Files.write(dir.resolve("latin.yaml"), "name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    assertThatThrownBy(() -> new DefinitionLoader().load(dir)).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("latin.yaml: (file): not UTF-8 text");
  }

  @Test
  void validDefinitionLoadsWithDefaultsApplied() {
    Workflows w = Fixtures.workflows("greet.yaml", """
        name: greet
        trigger: { api: {} }
        parameters:
          who: { type: text, default: world }
        steps:
          - { action: return, data: "Hello {% $params.who %}" }
        """);
    WorkflowDefinition greet = w.get("greet").orElseThrow();
    assertThat(greet.trigger()).isEqualTo(new Trigger(Trigger.Kind.API, Trigger.Auth.API_KEY));
    assertThat(greet.parameters().get("who").defaultValue()).isEqualTo("world");
    assertThat(greet.version()).hasSize(12);
  }

  @Test
  void unknownActionNamesTheChoices() {
    assertThat(errorsOf("a.yaml", wf("a", "  - action: launch_rocket\n")))
        .singleElement().asString()
        .startsWith("a.yaml: steps[0].action: unknown action 'launch_rocket'; expected one of get_thing, search_things");
  }

  @Test
  void missingFieldIsReportedAtItsPath() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: get_thing, type: user }\n")))
        .containsExactly("a.yaml: steps[0].thing_id: is required");
  }

  @Test
  void extraFieldIsReportedAtItsPath() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: delete_thing, type: user, thing_id: x, cascade: true }\n")))
        .containsExactly("a.yaml: steps[0].cascade: unknown field 'cascade' (not allowed here)");
  }

  @Test
  void wrongTypeIsReported() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: terminate, reason: [1, 2] }\n")))
        .singleElement().asString().startsWith("a.yaml: steps[0].reason: wrong type:");
  }

  @Test
  void jsonataSyntaxErrorNamesTheExpression() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: return, data: { x: \"{% $params.id + %}\" } }\n")))
        .singleElement().asString().startsWith("a.yaml: steps[0].data.x: JSONata syntax error in '$params.id +'");
  }

  @Test
  void whenMustBeAnExpression() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: return, when: yes please }\n")))
        .containsExactly("a.yaml: steps[0].when: expected a JSONata expression written as {% ... %}");
  }

  @Test
  void referencesToUnknownOrLaterStepsAreErrors() {
    assertThat(errorsOf("a.yaml", wf("a", """
          - { id: first, action: return, data: "{% $steps.second %}" }
          - { id: second, action: return, data: "{% $steps.nothing %}" }
        """))).containsExactly(
        "a.yaml: steps[0]: step 'second' runs at steps[1], not before this step: a step can only use results of earlier steps",
        "a.yaml: steps[1]: unknown step 'nothing' in '$steps.nothing' (no step has id 'nothing')");
  }

  @Test
  void referenceToUndeclaredParameterIsAnError() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: return, data: \"{% $params.idd %}\" }\n")))
        .containsExactly("a.yaml: steps[0]: unknown parameter 'idd' in '$params.idd' (declared: id)");
  }

  @Test
  void duplicateStepIdsAreErrors() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { id: x, action: return }\n  - { id: x, action: return }\n")))
        .containsExactly("a.yaml: steps[1].id: duplicate step id 'x' (first used by steps[0])");
  }

  @Test
  void unknownTypeAndFieldAndBadLiteralValueAreErrors() {
    assertThat(errorsOf("a.yaml", wf("a", """
          - { action: get_thing, type: usr, thing_id: x }
          - { action: create_thing, type: user, fields: { emial: x, age: old } }
          - { action: search_things, type: user, sort: { field: height } }
        """))).containsExactly(
        "a.yaml: steps[0].type: unknown type 'usr' (declared in data-schema.yaml: note, user)",
        "a.yaml: steps[1].fields.emial: unknown field 'emial' of type 'user' (fields: age, born, email, name, subscribed, tags)",
        "a.yaml: steps[1].fields.age: expected a number, got text 'old'",
        "a.yaml: steps[2].sort.field: unknown field 'height' of type 'user' (fields: age, born, email, name, subscribed, tags)");
  }

  @Test
  void referenceToUnknownWorkflowIsAnError() {
    assertThat(errorsOf("a.yaml", wf("a", "  - { action: trigger_event, event: nowhere }\n")))
        .singleElement().asString().startsWith("a.yaml: steps[0].event: unknown workflow 'nowhere' (known: a)");
  }

  @Test
  void nameMustMatchTheFile() {
    assertThat(errorsOf("b.yaml", wf("a", "  - { action: return }\n")))
        .containsExactly("b.yaml: name: is 'a' but the file is b.yaml: name a workflow after its file ('b')");
  }

  @Test
  void brokenYamlGivesLineAndColumn() {
    assertThat(errorsOf("a.yaml", "name: a\nsteps: [\n  - oops: : :\n")).singleElement().asString()
        .matches("a\\.yaml: line \\d+, column \\d+: not valid YAML: .*");
  }

  @Test
  void defaultAndExampleMustMatchTheParameterTypes() {
    assertThat(errorsOf("a.yaml", """
        name: a
        trigger: { api: {} }
        parameters:
          n: { type: number, default: lots }
          when: { type: date, required: true }
        example: { when: someday }
        steps: [ { action: return } ]
        """)).containsExactly(
        "a.yaml: parameters.n.default: default does not match the parameter's type: expected a number, got text 'lots'");
  }

  @Test
  void exampleIsCheckedAgainstParameters() {
    assertThat(errorsOf("a.yaml", """
        name: a
        trigger: { api: {} }
        parameters:
          when: { type: date, required: true }
        example: { when: someday }
        steps: [ { action: return } ]
        """)).singleElement().asString().startsWith("a.yaml: example.when: expected an ISO-8601 date");
  }

  @Test
  void everyErrorOfEveryFileIsReportedAtOnce() {
    assertThatThrownBy(() -> Fixtures.workflows(
        "a.yaml", wf("a", "  - action: nope\n"),
        "b.yaml", wf("b", "  - { action: get_thing, type: user }\n")))
        .isInstanceOf(DefinitionException.class)
        .hasMessageContaining("2 definition error(s):")
        .hasMessageContaining("a.yaml: steps[0].action: unknown action 'nope'")
        .hasMessageContaining("b.yaml: steps[0].thing_id: is required");
  }

  @Test
  void missingDirectoryIsAClearError() {
    assertThatThrownBy(() -> new DefinitionLoader().load(java.nio.file.Path.of("/no/such/dir")))
        .isInstanceOf(DefinitionException.class).hasMessageContaining("/no/such/dir: (directory): no such directory");
  }

  @Test
  void anApiWorkflowThatMayRunLongerThanApiGatewayWaitsIsRefused() {
    assertThat(errorsOf("slow.yaml", "name: slow\ntrigger: { api: {} }\nfunction: { timeout_s: 60 }\nsteps:\n  - { action: log, message: x }\n"))
        .singleElement().asString().startsWith("slow.yaml: function.timeout_s: is 60 s, but API Gateway answers the caller after 29 s");
    Workflows ok = Fixtures.workflows("long.yaml", "name: long\ntrigger: { schedule: {} }\nfunction: { timeout_s: 600 }\n"
        + "steps:\n  - { action: log, message: x }\n");
    assertThat(ok.get("long").orElseThrow().function().timeoutS()).isEqualTo(600);
  }

  @Test
  void durabilitySettingsAreReadAndCheckedAtLoad() {
    Workflows w = Fixtures.workflows("hook.yaml", """
        name: hook
        trigger: { api: { auth: none } }
        max_attempts: 5
        idempotency_key: "{% $params.event_id %}"
        parameters:
          event_id: { type: text }
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, on_uncertain: resend }
        """);
    WorkflowDefinition hook = w.get("hook").orElseThrow();
    assertThat(hook.maxAttempts()).isEqualTo(5);
    assertThat(hook.idempotencyKey()).isNotNull();
    assertThat(Fixtures.workflows("plain.yaml", wf("plain", "  - { action: log, message: x }\n")).get("plain").orElseThrow()
        .maxAttempts()).isEqualTo(WorkflowDefinition.DEFAULT_MAX_ATTEMPTS);
    assertThat(errorsOf("s.yaml", "name: s\ntrigger: { schedule: {} }\nidempotency_key: \"{% $params.id %}\"\nparameters:\n"
        + "  id: { type: text }\nsteps:\n  - { action: log, message: x }\n"))
        .singleElement().asString().contains("only API workflows take an idempotency key");
    assertThat(errorsOf("k.yaml", "name: k\ntrigger: { api: {} }\nidempotency_key: \"{% $steps.a.id %}\"\nsteps:\n"
        + "  - { id: a, action: log, message: x }\n"))
        .singleElement().asString().contains("can only use $params");
    assertThat(errorsOf("m.yaml", wf("m", "  - { action: send_email, to: a@example.com, subject: s, text: t, on_uncertain: maybe }\n")))
        .singleElement().asString().startsWith("m.yaml: steps[0].on_uncertain:");
    assertThat(errorsOf("n.yaml", "name: n\ntrigger: { api: {} }\nmax_attempts: 0\nsteps:\n  - { action: log, message: x }\n"))
        .singleElement().asString().startsWith("n.yaml: max_attempts:");
  }
}
