package dev.backendworkflows.engine.actions;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.mail.Email;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/** The {@code send_email} action. */
public final class EmailActions {
  private static final Pattern ADDRESS = Pattern.compile("^[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+$");
  /** Errors after which an email certainly did not go out: anything else (a timeout, say) leaves it unknown. */
  private static final java.util.Set<String> NOT_SENT = java.util.Set.of("invalid_argument", "email_rejected");

  /** True when an earlier attempt may have sent this email: it died in the step, or failed it for a reason that does not rule sending out. */
  private static boolean uncertain(ActionContext ctx) {
    return ctx.replaying() || ctx.previousError() != null && !NOT_SENT.contains(ctx.previousError().code());
  }

  private EmailActions() {}

  public static List<Action> all() {
    return List.of(new SendEmail());
  }

  /**
   * Sends an email: {@code to} (an address or a list), {@code subject}, {@code text} and/or
   * {@code html}, optional {@code from} (default: the deployment's sender) and {@code reply_to}.
   * The result is {@code {message_id, to}}. SES cannot deduplicate, so the run's journal records
   * the intent before sending: an attempt that finds an intent without a result cannot know whether
   * the email went out, and follows {@code on_uncertain} — {@code skip} (the default: at most once;
   * the result is {@code {to, uncertain: true}}) or {@code resend} (at least once).
   */
  static final class SendEmail implements Action {
    public String name() {
      return "send_email";
    }

    public Object execute(ActionContext ctx) {
      List<String> to = new ArrayList<>();
      Object raw = ctx.arg("to");
      if (raw instanceof List<?> list) {
        list.forEach(x -> to.add(String.valueOf(x)));
      } else if (raw != null) {
        to.add(String.valueOf(raw));
      }
      if (to.isEmpty()) {
        throw new ActionException("invalid_argument", "'to' evaluated to nothing; give an address or a list of addresses");
      }
      for (String address : to) {
        if (!ADDRESS.matcher(address).matches()) {
          throw new ActionException("invalid_argument", "'" + address + "' is not an email address");
        }
      }
      String text = (String) ctx.arg("text");
      String html = (String) ctx.arg("html");
      if ((text == null || text.isBlank()) && (html == null || html.isBlank())) {
        throw new ActionException("invalid_argument", "give 'text' or 'html' (the email would be empty)");
      }
      String from = ctx.has("from") ? ctx.text("from") : ctx.services().mailFrom();
      if (from == null || from.isBlank()) {
        throw new ActionException("invalid_argument", "no sender: give 'from' or set the deployment's MAIL_FROM");
      }
      if (uncertain(ctx) && !"resend".equals(ctx.arg("on_uncertain"))) {
        ctx.markUncertain();
        Map<String, Object> skipped = new java.util.LinkedHashMap<>();
        skipped.put("to", to);
        skipped.put("uncertain", true);
        return skipped;
      }
      String messageId = ctx.services().mailer().send(new Email(from, to, ctx.has("reply_to") ? ctx.text("reply_to") : null,
          ctx.text("subject"), text, html));
      return Map.of("message_id", messageId, "to", to);
    }

    /** The email went out in an earlier attempt; its message id was not kept. Never sends again. */
    @Override
    public Object recover(ActionContext ctx) {
      Map<String, Object> sent = new java.util.LinkedHashMap<>();
      Object to = ctx.arg("to");
      sent.put("to", to instanceof List<?> l ? l : List.of(String.valueOf(to)));
      sent.put("message_id", null);
      return sent;
    }
  }
}
