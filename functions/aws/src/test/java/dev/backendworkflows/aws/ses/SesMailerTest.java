package dev.backendworkflows.aws.ses;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.mail.Email;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/** SES v2 over its wire protocol: a verified sender sends; an unverified one is a clear step error. */
class SesMailerTest {

  @Test
  void verifiedSenderSendsAndGetsAMessageId() {
    SesV2Client client = Emulator.sesV2();
    client.createEmailIdentity(b -> b.emailIdentity("app@example.com"));
    String id = new SesMailer(() -> client).send(new Email("app@example.com", List.of("ada@example.com"), "help@example.com",
        "Welcome", "Hi Ada", "<p>Hi Ada</p>"));
    assertThat(id).isNotBlank();
  }

  @Test
  void unverifiedSenderIsRejectedWithTheReason() {
    SesV2Client client = Emulator.sesV2();
    assertThatThrownBy(() -> new SesMailer(() -> client).send(new Email("nobody@unverified.example", List.of("ada@example.com"),
        null, "x", "y", null)))
        .isInstanceOfSatisfying(ActionException.class, e -> {
          assertThat(e.code()).isEqualTo("email_rejected");
          assertThat(e.getMessage()).contains("nobody@unverified.example");
        });
  }
}
