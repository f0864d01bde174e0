package dev.backendworkflows.mail;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An email to send: at least one of {@code text} and {@code html}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Email(String from, List<String> to, String replyTo, String subject, String text, String html) {
  public Email {
    to = List.copyOf(to);
  }

  /** The address of a sender written {@code a@b.c} or {@code Name <a@b.c>}, lower-cased (as IAM's ses:FromAddress compares it). */
  public static String address(String from) {
    String s = from.strip();
    int open = s.lastIndexOf('<');
    if (open >= 0 && s.endsWith(">")) {
      s = s.substring(open + 1, s.length() - 1).strip();
    }
    return s.toLowerCase(java.util.Locale.ROOT);
  }
}
