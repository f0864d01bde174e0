package dev.backendworkflows.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SendEmailTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("mail.yaml", """
      name: mail
      trigger: { api: {} }
      parameters:
        to: { type: text, list: true, required: true }
        body: { type: text }
      steps:
        - id: sent
          action: send_email
          to: "{% $params.to %}"
          subject: "Hello {% $params.to[0] %}"
          text: "{% $params.body %}"
          reply_to: support@example.com
        - { action: return, data: "{% $steps.sent %}" }
      """));

  private RunRecord run(Map<String, Object> input) {
    return stack.engine.run(new RunRequest("mail", input, "api", "test")).record();
  }

  @Test
  void sendsWithTheDeploymentSenderAndReturnsTheMessageId() {
    RunRecord r = run(Map.of("to", List.of("ada@example.com", "alan@example.com"), "body", "Hi!"));
    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stack.outbox.sent()).singleElement().satisfies(s -> {
      assertThat(s.email()).isEqualTo(new Email("app@example.com", List.of("ada@example.com", "alan@example.com"),
          "support@example.com", "Hello ada@example.com", "Hi!", null));
      assertThat(r.response()).isEqualTo(Map.of("message_id", s.messageId(), "to", List.of("ada@example.com", "alan@example.com")));
    });
  }

  @Test
  void badAddressOrEmptyBodyFailsTheStepAndSendsNothing() {
    assertThat(run(Map.of("to", List.of("not-an-address"), "body", "x")).error().message()).contains("'not-an-address' is not an email address");
    assertThat(run(Map.of("to", List.of("ada@example.com"))).error().message()).contains("give 'text' or 'html'");
    assertThat(stack.outbox.sent()).isEmpty();
  }
}
