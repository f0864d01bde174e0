package dev.backendworkflows.aws.ses;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.mail.Email;
import dev.backendworkflows.mail.Mailer;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.sesv2.model.Body;
import software.amazon.awssdk.services.sesv2.model.Content;
import software.amazon.awssdk.services.sesv2.model.SesV2Exception;

/** {@link Mailer} on SES v2 {@code SendEmail} (simple content). The sender must be a verified identity. */
public final class SesMailer implements Mailer {
  private final Supplier<SesV2Client> client;

  public SesMailer(Supplier<SesV2Client> client) {
    this.client = client;
  }

  @Override
  public String send(Email email) {
    Body.Builder body = Body.builder();
    if (email.text() != null) {
      body.text(Content.builder().data(email.text()).charset("UTF-8").build());
    }
    if (email.html() != null) {
      body.html(Content.builder().data(email.html()).charset("UTF-8").build());
    }
    try {
      return client.get().sendEmail(b -> {
        b.fromEmailAddress(email.from()).destination(d -> d.toAddresses(email.to()))
            .content(c -> c.simple(m -> m.subject(Content.builder().data(email.subject()).charset("UTF-8").build()).body(body.build())));
        if (email.replyTo() != null) {
          b.replyToAddresses(email.replyTo());
        }
      }).messageId();
    } catch (SesV2Exception e) {
      // client-side refusals (unverified identity, sandbox recipient) are the user's to fix: say so
      if (e.statusCode() >= 400 && e.statusCode() < 500) {
        String code = e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorCode();
        String reason = e.statusCode() == 403 || "AccessDeniedException".equals(code)
            ? "this function may not send as " + email.from() + " (its role allows the stage's MailFrom and the "
                + "workflow's senders)"
            // SES's own words say what to fix (an unverified identity, a sandbox recipient); ARNs are account details
            : (e.awsErrorDetails() == null ? "" : e.awsErrorDetails().errorMessage()).replaceAll("arn:aws[\\w:/.*-]*", "<arn>");
        throw new ActionException("email_rejected", "SES refused the email from " + email.from() + ": " + reason
            + (code == null || code.isBlank() ? "" : " (" + code + ")"), e);
      }
      throw e;
    }
  }
}
