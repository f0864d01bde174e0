package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class ScheduleExpressionTest {
  private static final Instant ANY = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void dailyAtNineParisStaysAtNineLocalAcrossTheSpringDstChange() {
    ScheduleExpression daily = ScheduleExpression.parse("cron(0 9 * * ? *)", "Europe/Paris");
    Instant sat = daily.next(Instant.parse("2026-03-28T00:00:00Z"), ANY).orElseThrow();
    Instant sun = daily.next(sat, ANY).orElseThrow();
    Instant mon = daily.next(sun, ANY).orElseThrow();
    assertThat(sat).isEqualTo(Instant.parse("2026-03-28T08:00:00Z")); // 09:00 CET (+01:00)
    assertThat(sun).isEqualTo(Instant.parse("2026-03-29T07:00:00Z")); // 09:00 CEST (+02:00): clocks went forward that night
    assertThat(mon).isEqualTo(Instant.parse("2026-03-30T07:00:00Z"));
  }

  @Test
  void andAcrossTheAutumnChange() {
    ScheduleExpression daily = ScheduleExpression.parse("cron(0 9 * * ? *)", "Europe/Paris");
    Instant sat = daily.next(Instant.parse("2026-10-24T00:00:00Z"), ANY).orElseThrow();
    assertThat(sat).isEqualTo(Instant.parse("2026-10-24T07:00:00Z"));
    assertThat(daily.next(sat, ANY)).contains(Instant.parse("2026-10-25T08:00:00Z"));
  }

  @Test
  void weekdaysAndNamedDays() {
    ScheduleExpression weekdays = ScheduleExpression.parse("cron(30 8 ? * MON-FRI *)", "UTC");
    Instant friday = Instant.parse("2026-11-27T09:00:00Z");
    assertThat(weekdays.next(friday, ANY)).contains(Instant.parse("2026-11-30T08:30:00Z"));
  }

  @Test
  void rateCountsFromItsAnchor() {
    ScheduleExpression every15 = ScheduleExpression.parse("rate(15 minutes)", null);
    Instant anchor = Instant.parse("2026-01-01T10:00:00Z");
    assertThat(every15.next(anchor, anchor)).contains(Instant.parse("2026-01-01T10:15:00Z"));
    assertThat(every15.next(Instant.parse("2026-01-01T10:20:00Z"), anchor)).contains(Instant.parse("2026-01-01T10:30:00Z"));
    assertThat(every15.next(Instant.parse("2025-12-31T00:00:00Z"), anchor)).contains(anchor);
  }

  @Test
  void badExpressionsSayWhy() {
    assertThatThrownBy(() -> ScheduleExpression.parse("0 9 * * *", "UTC")).hasMessageContaining("use cron(minutes hours");
    assertThatThrownBy(() -> ScheduleExpression.parse("cron(0 9 * * * *)", "UTC")).hasMessageContaining("one of the day fields must be ?");
    assertThatThrownBy(() -> ScheduleExpression.parse("cron(61 9 * * ? *)", "UTC")).hasMessageContaining("not a valid cron expression");
    assertThatThrownBy(() -> ScheduleExpression.parse("rate(0 days)", "UTC")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> ScheduleExpression.parse("rate(1 day)", "Mars/Olympus")).hasMessageContaining("unknown time zone 'Mars/Olympus'");
  }
}
