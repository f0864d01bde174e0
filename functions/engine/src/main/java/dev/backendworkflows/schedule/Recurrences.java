package dev.backendworkflows.schedule;

import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;
import java.util.Map;

/**
 * Sets and cancels recurring events at run time (Bubble's "Set a recurring event" on a thing). The
 * event is written to the schedule store first, then its firings are arranged with the scheduler.
 */
public final class Recurrences {
  private final Services services;
  private final Workflows workflows;

  public Recurrences(Services services, Workflows workflows) {
    this.services = services;
    this.workflows = workflows;
  }

  /**
   * The AWS cron expression for a Bubble-style frequency, anchored at {@code start} in the zone:
   * daily and weekly at the start's time of day (weekly on its weekday), monthly on its day of the
   * month — on the last day of each month when it is past the 28th.
   */
  public static String cronFor(String frequency, ZonedDateTime start) {
    String at = start.getMinute() + " " + start.getHour();
    return switch (frequency) {
      case "daily" -> "cron(" + at + " * * ? *)";
      case "weekly" -> "cron(" + at + " ? * " + day(start.getDayOfWeek()) + " *)";
      case "monthly" -> "cron(" + at + " " + (start.getDayOfMonth() > 28 ? "L" : start.getDayOfMonth()) + " * ? *)";
      default -> throw new ActionException("invalid_argument", "frequency must be daily, weekly, monthly or cron, got " + frequency);
    };
  }

  private static String day(DayOfWeek d) {
    return d.getDisplayName(TextStyle.SHORT, Locale.ENGLISH).toUpperCase(Locale.ROOT);
  }

  /**
   * @throws ActionException {@code unknown_workflow}, {@code not_schedulable}, {@code invalid_parameters},
   *     {@code invalid_argument} (bad frequency, cron, time zone or start)
   */
  public RecurringEvent set(String workflow, String thingType, String thingId, String frequency, String cron,
      String timezone, Instant start, Map<String, Object> params, String createdBy) {
    WorkflowDefinition target = Scheduling.schedulable(workflows, workflow);
    Map<String, Object> bound;
    try {
      bound = ParameterBinder.bind(target, params);
    } catch (InvalidInputException e) {
      throw new ActionException("invalid_parameters", "parameters for '" + workflow + "': " + e.getMessage());
    }
    String zone = timezone == null || timezone.isBlank() ? "UTC" : timezone;
    String expression;
    try {
      expression = "cron".equals(frequency) ? cron : cronFor(frequency, start.atZone(java.time.ZoneId.of(zone)));
      ScheduleExpression.parse(expression == null ? "" : expression, zone);
    } catch (IllegalArgumentException | java.time.DateTimeException e) {
      throw new ActionException("invalid_argument", e.getMessage());
    }
    RecurringEvent event = new RecurringEvent(RecurringEvent.idFor(workflow, thingType, thingId), workflow, thingType, thingId,
        expression, zone, start, bound, createdBy, services.clock().instant());
    services.schedules().putRecurring(event);
    services.scheduler().deliverRecurring(event);
    return event;
  }

  /** @throws ActionException {@code recurring_not_found} */
  public RecurringEvent cancel(String workflow, String thingType, String thingId) {
    String id = RecurringEvent.idFor(workflow, thingType, thingId);
    RecurringEvent event = services.schedules().getRecurring(id)
        .orElseThrow(() -> new ActionException("recurring_not_found", "no recurring event of '" + workflow + "'"
            + (thingId == null ? "" : " on " + thingType + " " + thingId)));
    services.scheduler().cancelRecurring(id);
    services.schedules().deleteRecurring(id);
    return event;
  }
}
