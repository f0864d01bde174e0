package dev.backendworkflows.engine.actions;

import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.mail.Email;
import dev.backendworkflows.runlog.StepRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The {@code send_email} action. */
public final class EmailActions {
  private static final Pattern ADDRESS = Pattern.compile("^[^@\\s<>]+@[^@\\s<>]+\\.[^@\\s<>]+$");
  /** The code of a failure while the email was being handed to the provider: it may have gone out. */
  public static final String SEND_FAILED = "email_send_failed";

  /**
   * True when an earlier attempt may have sent this email: it died in the step, or the handing-over
   * itself failed without a refusal (a timeout, say). A failure before that (a bad address, an
   * expression) or a refusal by the provider says nothing was sent.
   */
  private static boolean uncertain(ActionContext ctx) {
    return ctx.replaying() && !StepRecord.UNCERTAIN.equals(ctx.earlierStatus())
        || ctx.previousError() != null && SEND_FAILED.equals(ctx.previousError().code());
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

    @Override
    public Set<Access> access(StepDefinition step) {
      return Set.of(Access.EMAIL);
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
      if (ctx.has("from")) {
        // the definition's senders are all its function may send as: anything else is refused here, not by SES
        List<String> senders = ctx.workflows().get(ctx.workflow()).map(w -> w.senders()).orElse(List.of());
        if (senders.stream().map(Email::address).noneMatch(Email.address(from)::equals)) {
          throw new ActionException("sender_not_allowed", "'from' is '" + from + "', which is not one of the workflow's senders ("
              + (senders.isEmpty() ? "none declared" : String.join(", ", senders)) + ")");
        }
      }
      if (uncertain(ctx) && !"resend".equals(ctx.arg("on_uncertain"))) {
        ctx.markUncertain();
        Map<String, Object> skipped = new java.util.LinkedHashMap<>();
        skipped.put("to", to);
        skipped.put("uncertain", true);
        return skipped;
      }
      Email email = new Email(from, to, ctx.has("reply_to") ? ctx.text("reply_to") : null, ctx.text("subject"), text, html);
      String messageId;
      try {
        messageId = ctx.services().mailer().send(email);
      } catch (ActionException refused) {
        throw refused; // the provider said no: nothing went out
      } catch (RuntimeException unknown) {
        throw new ActionException(SEND_FAILED, "handing the email to the provider failed (" + unknown.getClass().getSimpleName()
            + "); it may or may not have gone out, so a retry follows on_uncertain", unknown);
      }
      return Map.of("message_id", messageId, "to", to);
    }

    /** The step ended in an earlier attempt (sent, or left uncertain); its result was not kept. Never sends again. */
    @Override
    public Object recover(ActionContext ctx) {
      Map<String, Object> sent = new java.util.LinkedHashMap<>();
      Object to = ctx.arg("to");
      sent.put("to", to instanceof List<?> l ? l : List.of(String.valueOf(to)));
      if (StepRecord.UNCERTAIN.equals(ctx.earlierStatus())) {
        sent.put("uncertain", true);
      } else {
        sent.put("message_id", null);
      }
      return sent;
    }
  }
}
