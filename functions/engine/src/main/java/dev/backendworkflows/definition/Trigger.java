package dev.backendworkflows.definition;

import dev.backendworkflows.schedule.ScheduleExpression;
import java.time.Instant;

/**
 * How a workflow starts: {@code api} (HTTPS, with its auth mode), {@code schedule} (only by the
 * scheduler or other workflows), {@code recurring} (on a schedule expression), or {@code custom_event}.
 */
public record Trigger(Kind kind, Auth auth, Recurring recurring) {
  /** The trigger kinds of this version. */
  public enum Kind { API, SCHEDULE, RECURRING, CUSTOM_EVENT }

  /** Who may call an API workflow: anyone, holders of an API key, or users with a valid JWT. */
  public enum Auth { NONE, API_KEY, USER }

  /** A recurring trigger: when it fires, and the window (either end may be null) it fires in. */
  public record Recurring(ScheduleExpression expression, Instant start, Instant end) {}

  public Trigger(Kind kind, Auth auth) {
    this(kind, auth, null);
  }
}
