package dev.backendworkflows.definition;

/** How a workflow starts: {@code api} (HTTPS, with its auth mode), {@code schedule} or {@code custom_event}. */
public record Trigger(Kind kind, Auth auth) {
  /** The trigger kinds of this version. */
  public enum Kind { API, SCHEDULE, CUSTOM_EVENT }

  /** Who may call an API workflow. */
  public enum Auth { NONE, API_KEY }
}
