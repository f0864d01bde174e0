package dev.backendworkflows.aws.scheduler;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.schedule.RecurringEvent;
import dev.backendworkflows.schedule.Scheduler;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;
import software.amazon.awssdk.services.scheduler.model.GetScheduleResponse;
import software.amazon.awssdk.services.scheduler.model.ResourceNotFoundException;
import software.amazon.awssdk.services.scheduler.model.ScheduleSummary;

/**
 * {@link Scheduler} on EventBridge Scheduler: one one-time {@code at()} schedule per scheduled run,
 * named {@code run-<id>}, in the stack's schedule group, with the flexible window off and
 * {@code ActionAfterCompletion=DELETE}. Its input carries only the scheduled-run id. The client
 * token is the id, so a retried create makes one schedule. EventBridge fires within the minute
 * after the target time, at least once; the schedule store's claim makes the effect exactly once.
 */
public final class EventBridgeScheduler implements Scheduler {
  static final String NAME_PREFIX = "run-";
  static final String RECURRING_PREFIX = "rr-";
  private static final DateTimeFormatter AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
  private static final Pattern AT_EXPRESSION = Pattern.compile("^at\\((\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2})\\)$");

  /**
   * Where schedules go and what they invoke: the schedule group, the ARN prefix and suffix that
   * around a workflow name give its function's (alias) ARN, the role Scheduler assumes, and the
   * dead-letter queue.
   */
  public record Config(String group, String functionArnPrefix, String functionArnSuffix, String roleArn, String deadLetterArn) {
    /** The ARN that invokes a workflow's function: prefix + name + suffix (the published alias, for SnapStart). */
    public String functionArn(String workflow) {
      return functionArnPrefix + workflow + (functionArnSuffix == null ? "" : functionArnSuffix);
    }

    String workflowOf(String arn) {
      String rest = arn.startsWith(functionArnPrefix) ? arn.substring(functionArnPrefix.length()) : arn;
      return functionArnSuffix != null && !functionArnSuffix.isEmpty() && rest.endsWith(functionArnSuffix)
          ? rest.substring(0, rest.length() - functionArnSuffix.length()) : rest;
    }
  }

  private final Supplier<SchedulerClient> client;
  private final Config config;

  public EventBridgeScheduler(Supplier<SchedulerClient> client, Config config) {
    this.client = client;
    this.config = config;
  }

  /** The schedule's input: only the id, so large parameters never meet Scheduler's input limit. */
  public static String input(String scheduledRunId) {
    return Json.write(Map.of("scheduled_run_id", scheduledRunId));
  }

  @Override
  public void deliverAt(String scheduledRunId, String workflow, Instant at) {
    try {
      client.get().createSchedule(b -> b.name(NAME_PREFIX + scheduledRunId).groupName(config.group())
          .clientToken(scheduledRunId)
          .scheduleExpression("at(" + AT.format(LocalDateTime.ofInstant(at, ZoneOffset.UTC)) + ")")
          .scheduleExpressionTimezone("UTC")
          .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF))
          .actionAfterCompletion(ActionAfterCompletion.DELETE)
          .target(t -> {
            t.arn(config.functionArn(workflow)).roleArn(config.roleArn()).input(input(scheduledRunId))
                .retryPolicy(r -> r.maximumEventAgeInSeconds(86_400).maximumRetryAttempts(185));
            if (config.deadLetterArn() != null && !config.deadLetterArn().isBlank()) {
              t.deadLetterConfig(d -> d.arn(config.deadLetterArn()));
            }
          }));
    } catch (ConflictException alreadyThere) {
      // a retried create of the same run: the schedule exists, which is what was asked
    }
  }

  @Override
  public void cancel(String scheduledRunId) {
    try {
      client.get().deleteSchedule(b -> b.name(NAME_PREFIX + scheduledRunId).groupName(config.group()));
    } catch (ResourceNotFoundException gone) {
      // fired and deleted itself, or never existed: nothing to withdraw
    }
  }

  @Override
  public List<Delivery> due(Instant now) {
    List<Delivery> due = new ArrayList<>();
    // not called in Lambda: only the local runner polls schedules (emulators store but never fire them)
    var schedules = client.get().listSchedulesPaginator(b -> b.groupName(config.group()).namePrefix(NAME_PREFIX)).schedules(); // not called in Lambda
    for (ScheduleSummary s : schedules) {
      if (!s.name().startsWith(NAME_PREFIX)) {
        continue; // moto ignores NamePrefix and lists the whole group; AWS filters. Filtering here is right for both
      }
      GetScheduleResponse schedule;
      try {
        schedule = client.get().getSchedule(b -> b.name(s.name()).groupName(config.group())); // not called in Lambda
      } catch (ResourceNotFoundException gone) {
        continue;
      }
      Matcher m = AT_EXPRESSION.matcher(schedule.scheduleExpression());
      if (!m.matches()) {
        continue;
      }
      ZoneId zone = schedule.scheduleExpressionTimezone() == null ? ZoneOffset.UTC : ZoneId.of(schedule.scheduleExpressionTimezone());
      Instant at = LocalDateTime.parse(m.group(1)).atZone(zone).toInstant();
      if (!at.isAfter(now)) {
        due.add(new Delivery(s.name().substring(NAME_PREFIX.length()), config.workflowOf(schedule.target().arn()), at));
      }
    }
    return due;
  }

  /** The schedule name of a recurring event: ids can outgrow Scheduler's 64-character names. */
  static String recurringName(String recurringEventId) {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(recurringEventId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return RECURRING_PREFIX + java.util.HexFormat.of().formatHex(d, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A recurring event's input: its id and EventBridge's firing time. */
  public static String recurringInput(String recurringEventId) {
    return Json.write(new java.util.TreeMap<>(Map.of("recurring_event_id", recurringEventId,
        "scheduled_time", "<aws.scheduler.scheduled-time>")));
  }

  @Override
  public void deliverRecurring(RecurringEvent event) {
    software.amazon.awssdk.services.scheduler.model.Target target = software.amazon.awssdk.services.scheduler.model.Target.builder()
        .arn(config.functionArn(event.workflow())).roleArn(config.roleArn()).input(recurringInput(event.id()))
        .retryPolicy(r -> r.maximumEventAgeInSeconds(86_400).maximumRetryAttempts(185))
        .deadLetterConfig(config.deadLetterArn() == null || config.deadLetterArn().isBlank() ? null
            : software.amazon.awssdk.services.scheduler.model.DeadLetterConfig.builder().arn(config.deadLetterArn()).build())
        .build();
    String name = recurringName(event.id());
    try {
      client.get().createSchedule(b -> b.name(name).groupName(config.group()).scheduleExpression(event.schedule())
          .scheduleExpressionTimezone(event.timezone()).startDate(event.start())
          .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF)).target(target));
    } catch (ConflictException exists) {
      // setting a recurring event again replaces it
      client.get().updateSchedule(b -> b.name(name).groupName(config.group()).scheduleExpression(event.schedule())
          .scheduleExpressionTimezone(event.timezone()).startDate(event.start())
          .flexibleTimeWindow(w -> w.mode(FlexibleTimeWindowMode.OFF)).target(target));
    }
  }

  @Override
  public void cancelRecurring(String recurringEventId) {
    try {
      client.get().deleteSchedule(b -> b.name(recurringName(recurringEventId)).groupName(config.group()));
    } catch (ResourceNotFoundException gone) {
      // nothing to withdraw
    }
  }

  @Override
  public void delivered(String scheduledRunId) {
    cancel(scheduledRunId); // what ActionAfterCompletion=DELETE does after AWS fires a schedule
  }
}
