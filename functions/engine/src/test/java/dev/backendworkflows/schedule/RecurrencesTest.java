package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Recurring events set at run time, fired by the local scheduler under a controllable clock. */
class RecurrencesTest {
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "subscribe.yaml", """
          name: subscribe
          trigger: { api: {} }
          parameters:
            user_id: { type: text, required: true }
            frequency: { type: text, default: daily }
            tz: { type: text, default: Europe/Paris }
          steps:
            - id: set
              action: set_recurring
              workflow: nudge
              type: user
              thing_id: "{% $params.user_id %}"
              frequency: "{% $params.frequency %}"
              timezone: "{% $params.tz %}"
              params: { user_id: "{% $params.user_id %}" }
            - { action: return, data: "{% $steps.set %}" }
          """,
      "unsubscribe.yaml", """
          name: unsubscribe
          trigger: { api: {} }
          parameters:
            user_id: { type: text, required: true }
          steps:
            - { action: cancel_recurring, workflow: nudge, type: user, thing_id: "{% $params.user_id %}" }
          """,
      "nudge.yaml", """
          name: nudge
          trigger: { schedule: {} }
          parameters:
            user_id: { type: text, required: true }
          steps:
            - { action: create_thing, type: note, fields: { text: "{% $params.user_id %}" } }
          """));

  private RunOutcome run(String wf, Map<String, Object> input) {
    return stack.engine.run(new RunRequest(wf, input, "api", "test"));
  }

  private List<Thing> notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 1000, null)).things();
  }

  /** Fires recurring firings due now through the same delivery path the handler uses. */
  private int advance(Duration d) {
    stack.clock.advance(d);
    return stack.scheduler.fireRecurring(stack.clock.instant(), (e, at) -> stack.deliveries.deliverRecurringEvent(e.id(), at, dev.backendworkflows.execution.Invocation.untimed()));
  }

  @Test
  void frequenciesBecomeCronAtTheStartsTimeOfDayWeekdayAndDayOfMonth() {
    var start = Instant.parse("2026-03-31T07:30:00Z").atZone(ZoneId.of("Europe/Paris")); // Tuesday 09:30 CEST
    assertThat(Recurrences.cronFor("daily", start)).isEqualTo("cron(30 9 * * ? *)");
    assertThat(Recurrences.cronFor("weekly", start)).isEqualTo("cron(30 9 ? * TUE *)");
    assertThat(Recurrences.cronFor("monthly", start)).isEqualTo("cron(30 9 L * ? *)");
    assertThat(Recurrences.cronFor("monthly", start.minusDays(20))).isEqualTo("cron(30 9 11 * ? *)");
  }

  @Test
  void dailyEventOnAThingFiresEveryDayWithItsParams() {
    RunOutcome set = run("subscribe", Map.of("user_id", "u1"));
    assertThat(set.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(set.response()).asString().contains("cron(0 10 * * ? *)").contains("Europe/Paris"); // set at 09:00Z = 10:00 CET
    assertThat(advance(Duration.ofDays(3))).isEqualTo(3);
    assertThat(notes()).hasSize(3).allSatisfy(n -> assertThat(n.fields()).containsEntry("text", "u1"));
  }

  @Test
  void settingAgainReplacesAndCancelStopsIt() {
    run("subscribe", Map.of("user_id", "u1"));
    run("subscribe", Map.of("user_id", "u1", "frequency", "weekly"));
    assertThat(stack.schedules.listRecurring()).hasSize(1);
    assertThat(advance(Duration.ofDays(7))).isEqualTo(1);
    assertThat(run("unsubscribe", Map.of("user_id", "u1")).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(advance(Duration.ofDays(30))).isZero();
    assertThat(notes()).hasSize(1);
    assertThat(run("unsubscribe", Map.of("user_id", "u1")).record().error().code()).isEqualTo("recurring_not_found");
  }

  @Test
  void aFiringDeliveredTwiceRunsOnceAndAFiringOfACancelledEventRunsNothing() {
    run("subscribe", Map.of("user_id", "u1"));
    String id = RecurringEvent.idFor("nudge", "user", "u1");
    Instant firing = Instant.parse("2026-03-02T09:00:00Z");
    assertThat(stack.deliveries.deliverRecurringEvent(id, firing, dev.backendworkflows.execution.Invocation.untimed()).ran()).isTrue();
    assertThat(stack.deliveries.deliverRecurringEvent(id, firing, dev.backendworkflows.execution.Invocation.untimed()).ran()).isFalse();
    run("unsubscribe", Map.of("user_id", "u1"));
    assertThat(stack.deliveries.deliverRecurringEvent(id, firing.plusSeconds(86400), dev.backendworkflows.execution.Invocation.untimed()).ran()).isFalse();
    assertThat(notes()).hasSize(1);
  }

  @Test
  void badFrequencyOrZoneFailsTheStepWhenSetting() {
    assertThat(run("subscribe", Map.of("user_id", "u1", "frequency", "hourly")).record().error().code()).isEqualTo("invalid_argument");
    assertThat(run("subscribe", Map.of("user_id", "u1", "tz", "Nowhere/City")).record().error().message()).contains("Nowhere/City");
    assertThat(stack.schedules.listRecurring()).isEmpty();
  }
}
