package dev.backendworkflows.mail;

/** Port: sends email. Adapters: {@code SesMailer} (SES v2) and {@link dev.backendworkflows.mail.local.LocalOutbox}. */
public interface Mailer {
  /**
   * Sends the email.
   *
   * @return the provider's message id
   * @throws dev.backendworkflows.exceptions.ActionException {@code email_rejected} when the provider
   *     refuses it (unverified sender, sandbox recipient, bad address), with the provider's reason
   */
  String send(Email email);
}
