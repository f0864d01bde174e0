package dev.backendworkflows.aws.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.schedule.SchedulerContract;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ActionAfterCompletion;
import software.amazon.awssdk.services.scheduler.model.FlexibleTimeWindowMode;

/** The shared scheduler contract, plus the schedule's exact shape, over EventBridge Scheduler's API. */
class EventBridgeSchedulerTest extends SchedulerContract {
  static final String PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:test-wf-";
  private SchedulerClient client;
  private EventBridgeScheduler.Config config;

  @Override
  protected Scheduler newScheduler() {
    client = Emulator.scheduler();
    config = new EventBridgeScheduler.Config(Emulator.sharedScheduleGroup(), PREFIX, ":live",
        "arn:aws:iam::000000000000:role/test-scheduler", "arn:aws:sqs:us-east-1:000000000000:test-dlq");
    return new EventBridgeScheduler(() -> client, config);
  }

  @Test
  void oneTimeScheduleCarriesOnlyTheIdAndDeletesItself() {
    String id = "01TESTSHAPE" + System.nanoTime();
    scheduler.deliverAt(id, "onboard-user", future);
    var s = client.getSchedule(b -> b.name("run-" + id).groupName(config.group()));
    assertThat(s.scheduleExpression()).startsWith("at(").endsWith(")");
    assertThat(s.scheduleExpressionTimezone()).isEqualTo("UTC");
    assertThat(s.flexibleTimeWindow().mode()).isEqualTo(FlexibleTimeWindowMode.OFF);
    assertThat(s.actionAfterCompletion()).isEqualTo(ActionAfterCompletion.DELETE);
    assertThat(s.target().arn()).isEqualTo(PREFIX + "onboard-user:live");
    assertThat(s.target().roleArn()).isEqualTo(config.roleArn());
    assertThat(Json.tree(s.target().input()).properties()).hasSize(1);
    assertThat(Json.tree(s.target().input()).path("scheduled_run_id").asText()).isEqualTo(id);
    assertThat(s.target().deadLetterConfig().arn()).isEqualTo(config.deadLetterArn());
  }

  @Test
  void recurringEventIsARecurringScheduleThatSettingAgainReplacesAndCancelRemoves() {
    var event = new dev.backendworkflows.schedule.RecurringEvent(
        dev.backendworkflows.schedule.RecurringEvent.idFor("nudge", "user", "u-" + System.nanoTime()), "nudge", "user", "u1",
        "cron(0 9 * * ? *)", "Europe/Paris", future, java.util.Map.of("user_id", "u1"), "run:r", future);
    scheduler.deliverRecurring(event);
    String name = EventBridgeScheduler.recurringName(event.id());
    assertThat(name).hasSizeLessThanOrEqualTo(64);
    var s = client.getSchedule(b -> b.name(name).groupName(config.group()));
    assertThat(s.scheduleExpression()).isEqualTo("cron(0 9 * * ? *)");
    assertThat(s.scheduleExpressionTimezone()).isEqualTo("Europe/Paris");
    assertThat(s.target().arn()).isEqualTo(PREFIX + "nudge:live");
    assertThat(Json.tree(s.target().input()).path("recurring_event_id").asText()).isEqualTo(event.id());
    assertThat(Json.tree(s.target().input()).path("scheduled_time").asText()).isEqualTo("<aws.scheduler.scheduled-time>");

    scheduler.deliverRecurring(new dev.backendworkflows.schedule.RecurringEvent(event.id(), "nudge", "user", "u1",
        "rate(1 hour)", "UTC", future, java.util.Map.of(), "run:r2", future));
    assertThat(client.getSchedule(b -> b.name(name).groupName(config.group())).scheduleExpression()).isEqualTo("rate(1 hour)");

    scheduler.cancelRecurring(event.id());
    // filtered here: moto ignores NamePrefix (an emulator difference; AWS filters)
    assertThat(client.listSchedules(b -> b.groupName(config.group())).schedules()).noneMatch(x -> x.name().equals(name));
    scheduler.cancelRecurring(event.id());
  }
}
