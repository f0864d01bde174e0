package dev.backendworkflows.mail;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/** An email to send: at least one of {@code text} and {@code html}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Email(String from, List<String> to, String replyTo, String subject, String text, String html) {
  public Email {
    to = List.copyOf(to);
  }
}
