package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * Bubble's "recurring event on a thing", set at run time: {@code workflow} runs with {@code params}
 * on {@code schedule} (AWS cron syntax) in {@code timezone}, from {@code start}. Its id is derived
 * from the workflow and the thing, so setting it again for the same thing replaces it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RecurringEvent(String id, String workflow, String thingType, String thingId, String schedule,
    String timezone, Instant start, Map<String, Object> params, String createdBy, Instant createdAt) {

  public RecurringEvent {
    params = params == null ? Map.of() : params;
  }

  /** The same event with {@code newParams} (the API shows it with secret parameters redacted). */
  public RecurringEvent withParams(Map<String, Object> newParams) {
    return new RecurringEvent(id, workflow, thingType, thingId, schedule, timezone, start, newParams, createdBy, createdAt);
  }

  /** The id of the recurring event of {@code workflow} on a thing (or on nothing). */
  public static String idFor(String workflow, String thingType, String thingId) {
    return "rr-" + workflow + (thingId == null ? "" : "-" + thingType + "-" + thingId);
  }

  public ScheduleExpression expression() {
    return ScheduleExpression.parse(schedule, timezone);
  }
}
