package dev.backendworkflows.mail.local;

import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.mail.Email;
import dev.backendworkflows.mail.Mailer;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** The local runner's mailer: captures every email in an outbox instead of sending it. */
public final class LocalOutbox implements Mailer {
  private final ConcurrentNavigableMap<String, String> map;
  private final Clock clock;

  /** A captured email with its message id and when it was "sent". */
  public record Sent(String messageId, Instant sentAt, Email email) {}

  public LocalOutbox(ConcurrentNavigableMap<String, String> map, Clock clock) {
    this.map = map;
    this.clock = clock;
  }

  public LocalOutbox(Clock clock) {
    this(new ConcurrentSkipListMap<>(), clock);
  }

  @Override
  public String send(Email email) {
    Instant now = clock.instant();
    String id = "local-" + Ids.newId(now);
    map.put(id, Json.write(new Sent(id, now, email)));
    return id;
  }

  /** Everything sent, oldest first. */
  public List<Sent> sent() {
    return map.values().stream().map(s -> Json.read(s, Sent.class)).toList();
  }
}
