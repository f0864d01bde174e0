package dev.backendworkflows.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.definition.CronConstraintsFactory;
import com.cronutils.model.definition.CronDefinition;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A recurring schedule in EventBridge Scheduler's own syntax — {@code cron(min hour day-of-month
 * month day-of-week year)} or {@code rate(N minute|minutes|hour|hours|day|days)} — in a time zone,
 * so what is validated and fired locally is exactly what is deployed. Cron fields are parsed by
 * cron-utils with AWS's rules (one of the day fields must be {@code ?}); DST is handled by the zone.
 */
public final class ScheduleExpression {
  private static final Pattern CRON = Pattern.compile("^cron\\((.+)\\)$");
  private static final Pattern RATE = Pattern.compile("^rate\\((\\d+) (minute|minutes|hour|hours|day|days)\\)$");
  private static final CronDefinition AWS_CRON = CronDefinitionBuilder.defineCron()
      .withMinutes().withValidRange(0, 59).and()
      .withHours().withValidRange(0, 23).and()
      .withDayOfMonth().withValidRange(1, 31).supportsL().supportsW().supportsLW().supportsQuestionMark().and()
      .withMonth().withValidRange(1, 12).and()
      .withDayOfWeek().withValidRange(1, 7).withMondayDoWValue(2).supportsHash().supportsL().supportsQuestionMark().and()
      .withYear().withValidRange(1970, 2199).and()
      .withCronValidation(CronConstraintsFactory.ensureEitherDayOfWeekOrDayOfMonth())
      .instance();
  private static final CronParser PARSER = new CronParser(AWS_CRON);

  private final String text;
  private final ZoneId zone;
  private final ExecutionTime cron;
  private final Duration rate;

  private ScheduleExpression(String text, ZoneId zone, ExecutionTime cron, Duration rate) {
    this.text = text;
    this.zone = zone;
    this.cron = cron;
    this.rate = rate;
  }

  /** @throws IllegalArgumentException saying what is wrong and what is expected */
  public static ScheduleExpression parse(String text, String timezone) {
    ZoneId zone;
    try {
      zone = ZoneId.of(timezone == null ? "UTC" : timezone);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("unknown time zone '" + timezone + "' (use an IANA name such as Europe/Paris)");
    }
    Matcher rate = RATE.matcher(text.strip());
    if (rate.matches()) {
      long n = Long.parseLong(rate.group(1));
      if (n < 1) {
        throw new IllegalArgumentException("rate must be at least 1");
      }
      Duration unit = rate.group(2).startsWith("minute") ? Duration.ofMinutes(1) : rate.group(2).startsWith("hour") ? Duration.ofHours(1) : Duration.ofDays(1);
      return new ScheduleExpression(text, zone, null, unit.multipliedBy(n));
    }
    Matcher cron = CRON.matcher(text.strip());
    if (!cron.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a schedule: use cron(minutes hours day-of-month month day-of-week year), "
          + "e.g. cron(0 9 * * ? *), or rate(N minutes|hours|days), e.g. rate(15 minutes)");
    }
    try {
      Cron parsed = PARSER.parse(cron.group(1));
      parsed.validate();
      return new ScheduleExpression(text, zone, ExecutionTime.forCron(parsed), null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not a valid cron expression: " + e.getMessage()
          + " (six fields: minutes hours day-of-month month day-of-week year; one of the day fields must be ?)");
    }
  }

  /**
   * The first fire time strictly after {@code after}; rate schedules count from {@code anchor}.
   *
   * @return empty when a cron expression never fires again
   */
  public Optional<Instant> next(Instant after, Instant anchor) {
    if (rate != null) {
      if (after.isBefore(anchor)) {
        return Optional.of(anchor);
      }
      long periods = Duration.between(anchor, after).dividedBy(rate) + 1;
      return Optional.of(anchor.plus(rate.multipliedBy(periods)));
    }
    return cron.nextExecution(ZonedDateTime.ofInstant(after, zone)).map(ZonedDateTime::toInstant);
  }

  public String text() {
    return text;
  }

  public ZoneId zone() {
    return zone;
  }

  @Override
  public String toString() {
    return text + " in " + zone;
  }
}
