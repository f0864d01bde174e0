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
    config = new EventBridgeScheduler.Config(Emulator.sharedScheduleGroup(), PREFIX,
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
    assertThat(s.target().arn()).isEqualTo(PREFIX + "onboard-user");
    assertThat(s.target().roleArn()).isEqualTo(config.roleArn());
    assertThat(Json.tree(s.target().input()).properties()).hasSize(1);
    assertThat(Json.tree(s.target().input()).path("scheduled_run_id").asText()).isEqualTo(id);
    assertThat(s.target().deadLetterConfig().arn()).isEqualTo(config.deadLetterArn());
  }
}
