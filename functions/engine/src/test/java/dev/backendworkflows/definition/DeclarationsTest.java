package dev.backendworkflows.definition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A workflow declares the secrets it reads and the senders it sends as, because its function is
 * granted exactly those: every use must be declared, every declaration used, checked at load.
 */
class DeclarationsTest {
  private static List<String> errors(String yaml) {
    DefinitionException e = catchThrowableOfType(DefinitionException.class, () -> Fixtures.workflows("w.yaml", yaml));
    assertThat(e).as("the definition should be refused").isNotNull();
    return e.errors().stream().map(DefinitionError::toString).toList();
  }

  @Test
  void secretUsedButNotDeclared_isAnErrorAtItsPlace() {
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        steps:
          - { action: api_call, url: "https://api.example.com", headers: { Authorization: { secret: token } } }
        """)).containsExactly("w.yaml: steps[0].headers.Authorization.secret: secret 'token' is not declared: add it to the "
        + "workflow's secrets (none declared)");
    assertThat(errors("""
        name: w
        trigger: { api: { auth: signature, signature: { scheme: stripe, secret: hook } } }
        secrets: [other]
        steps:
          - { action: api_call, url: "https://api.example.com", query: { key: { secret: other } } }
        """)).singleElement().asString().contains("trigger.api.signature.secret: secret 'hook' is not declared")
        .contains("(other)");
  }

  @Test
  void secretDeclaredButUnused_isAnError() {
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        secrets: [token]
        steps:
          - { action: return }
        """)).singleElement().asString().startsWith("w.yaml: secrets[0]: secret 'token' is declared but no step uses it");
  }

  @Test
  void literalSenderMustBeDeclared_withOrWithoutADisplayName() {
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: "Team <team@example.com>" }
        """)).containsExactly("w.yaml: steps[0].from: sender 'team@example.com' is not declared: add it to the workflow's "
        + "senders (none declared)");
    Workflows ok = Fixtures.workflows("w.yaml", """
        name: w
        trigger: { api: {} }
        senders: [Team@Example.com]
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: "Team <team@example.com>" }
        """);
    assertThat(ok.get("w").orElseThrow().senders()).containsExactly("Team@Example.com");
  }

  @Test
  void senderChosenByAnExpressionNeedsSendersAndUnusedSendersAreErrors() {
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        parameters: { from: { type: text } }
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: "{% $params.from %}" }
        """)).singleElement().asString().startsWith("w.yaml: steps[0].from: 'from' is an expression: list the addresses");
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        senders: [news@example.com, billing@example.com]
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: news@example.com }
        """)).containsExactly("w.yaml: senders[1]: sender 'billing@example.com' is declared but no send_email step gives it "
        + "as 'from': its function would be allowed to send as it for nothing");
    assertThat(errors("""
        name: w
        trigger: { api: {} }
        senders: ["News <news@example.com>"]
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: news@example.com }
        """)).singleElement().asString().startsWith("w.yaml: senders[0]");
  }

  @Test
  void senderChosenAtRunTimeMustBeADeclaredOne_elseNothingIsSent() {
    Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("w.yaml", """
        name: w
        trigger: { api: {} }
        senders: [news@example.com, billing@example.com]
        parameters: { from: { type: text, required: true } }
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: "{% $params.from %}" }
        """));
    RunRecord refused = stack.engine.run(new RunRequest("w", Map.of("from", "ceo@example.com"), "api", "t")).record();
    assertThat(refused.status()).isEqualTo(RunStatus.FAILED);
    assertThat(refused.error().code()).isEqualTo("sender_not_allowed");
    assertThat(refused.error().message()).isEqualTo("step #0 (send_email) failed: 'from' is 'ceo@example.com', which is not one of the workflow's senders "
        + "(news@example.com, billing@example.com)");
    assertThat(stack.outbox.sent()).isEmpty();

    RunRecord sent = stack.engine.run(new RunRequest("w", Map.of("from", "Billing <BILLING@example.com>"), "api", "t")).record();
    assertThat(sent.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stack.outbox.sent()).singleElement().satisfies(m -> assertThat(m.email().from()).isEqualTo("Billing <BILLING@example.com>"));
  }
}
