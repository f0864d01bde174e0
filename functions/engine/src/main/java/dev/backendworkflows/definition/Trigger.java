package dev.backendworkflows.definition;

import dev.backendworkflows.schedule.ScheduleExpression;
import java.time.Instant;

/**
 * How a workflow starts: {@code api} (HTTPS, with its auth mode), {@code schedule} (only by the
 * scheduler or other workflows), {@code recurring} (on a schedule expression), or {@code custom_event}.
 */
public record Trigger(Kind kind, Auth auth, Recurring recurring, Signature signature) {
  /** The trigger kinds of this version. */
  public enum Kind { API, SCHEDULE, RECURRING, CUSTOM_EVENT }

  /** Who may call an API workflow: anyone, holders of an API key, users with a valid JWT, or senders of a valid signature. */
  public enum Auth { NONE, API_KEY, USER, SIGNATURE }

  /**
   * How {@code auth: signature} checks a request: {@code scheme} ({@code stripe} or {@code hmac-sha256}),
   * the declared {@code secret} it is made with, for hmac-sha256 the {@code header} carrying it and
   * optionally a {@code timestampHeader}, and how far a signed time may be from now.
   */
  public record Signature(String scheme, String secret, String header, String timestampHeader, int toleranceS) {}

  public Trigger(Kind kind, Auth auth, Recurring recurring) {
    this(kind, auth, recurring, null);
  }

  /** A recurring trigger: when it fires, and the window (either end may be null) it fires in. */
  public record Recurring(ScheduleExpression expression, Instant start, Instant end) {}

  public Trigger(Kind kind, Auth auth) {
    this(kind, auth, null);
  }
}
