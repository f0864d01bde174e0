package dev.backendworkflows.definition;

import dev.backendworkflows.schedule.ScheduleExpression;
import java.time.Instant;

/**
 * How a workflow starts: {@code api} (HTTPS, with its auth mode), {@code schedule} (only by the
 * scheduler or other workflows), {@code recurring} (on a schedule expression), {@code custom_event},
 * or {@code data_change} (when a thing of a type is created, changed or deleted).
 */
public record Trigger(Kind kind, Auth auth, Recurring recurring, Signature signature, DataChange dataChange) {
  /** The trigger kinds of this version. */
  public enum Kind { API, SCHEDULE, RECURRING, CUSTOM_EVENT, DATA_CHANGE }

  /** What happened to a thing, as a data_change trigger names it. */
  public enum ChangeEvent {
    CREATED, CHANGED, DELETED;

    public String wire() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /**
   * A data_change trigger: the thing {@code type} it watches, the {@code on} events it runs on, for
   * {@code changed} only when one of {@code fields} changed (all fields when empty), and only when
   * {@code when} (over {@code $old}, {@code $new} and {@code $change}) is truthy (always when null).
   * On AWS its function reads the Things table's stream {@code batchSize} records at a time, and a
   * batch that keeps failing is retried {@code maxRetries} times (-1: until its records expire from
   * the stream, 24 hours) before it goes to the dead-letter queue. A change made by a run
   * {@code maxDepth} triggers deep does not run it (the loop guard).
   */
  public record DataChange(String type, java.util.Set<ChangeEvent> on, java.util.List<String> fields,
      dev.backendworkflows.expression.Template when, int batchSize, int maxRetries, int maxDepth) {
    public static final int DEFAULT_BATCH_SIZE = 10;
    public static final int DEFAULT_MAX_RETRIES = -1;
    /** The loop guard unless the trigger says otherwise: a change made this many triggers deep runs nothing. */
    public static final int DEFAULT_MAX_DEPTH = 5;

    public DataChange {
      on = java.util.Set.copyOf(on);
      fields = java.util.List.copyOf(fields);
    }
  }

  public Trigger(Kind kind, Auth auth, Recurring recurring, Signature signature) {
    this(kind, auth, recurring, signature, null);
  }

  /** A data_change trigger. */
  public Trigger(DataChange dataChange) {
    this(Kind.DATA_CHANGE, Auth.API_KEY, null, null, dataChange);
  }

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
