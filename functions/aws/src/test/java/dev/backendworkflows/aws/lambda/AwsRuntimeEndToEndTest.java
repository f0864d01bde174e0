package dev.backendworkflows.aws.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The handler exactly as Lambda builds it from its environment, against DynamoDB over the wire. */
class AwsRuntimeEndToEndTest {
  private static DynamoDbTables tables;
  private static Map<String, String> env;
  private static final String ARN_PREFIX = "arn:aws:lambda:us-east-1:000000000000:function:test-wf-";

  @BeforeEach
  void deploy() {
    String endpoint = Emulator.endpoint();
    DynamoDbClient client = Emulator.sharedClient();
    tables = Emulator.sharedTables();
    env = new java.util.HashMap<>(Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_REGION", "us-east-1", "STAGE", "test",
        DynamoDbTables.ENV_THINGS, tables.things(), DynamoDbTables.ENV_RUNS, tables.runs(),
        DynamoDbTables.ENV_API_KEYS, tables.apiKeys(), DynamoDbTables.ENV_SCHEDULES, tables.schedules(),
        "WORKFLOWS_DIR", Fixtures.shippedWorkflows().toString(), "MAIL_FROM", "app@example.com"));
    env.putAll(Map.of("SCHEDULE_GROUP", Emulator.sharedScheduleGroup(), "FUNCTION_ARN_PREFIX", ARN_PREFIX,
        "SCHEDULER_ROLE_ARN", "arn:aws:iam::000000000000:role/test-scheduler", "FUNCTION_ARN_SUFFIX", ":live"));
    Emulator.sesV2().createEmailIdentity(b -> b.emailIdentity("app@example.com"));
    new ApiKeys(new DynamoDbApiKeyStore(client, tables.apiKeys()), Clock.systemUTC()).register(HandlerCalls.SAMPLE_KEY, "sample", true);
  }

  @Test
  void workflowFunctionRunsItsWorkflowAndTheAdminFunctionReadsTheRun() {
    WorkflowFunctionHandler onboard = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("WORKFLOW_NAME", "onboard-user")));
    JsonNode response = HandlerCalls.invoke(onboard, HandlerCalls.sampleEvent("api-onboard-user.json"));
    assertThat(response.path("statusCode").asInt()).as(response.toString()).isEqualTo(200);
    String runId = Json.tree(response.path("body").asText()).path("run_id").asText();

    // the welcome email went through SES and the next step is an EventBridge schedule carrying only its id
    var schedules = Emulator.scheduler().listSchedules(b -> b.groupName(env.get("SCHEDULE_GROUP")).namePrefix("run-")).schedules();
    String scheduled = schedules.stream().map(x -> x.name().substring(4)).filter(id -> HandlerCalls.invoke(
        new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("FUNCTION_ROLE", "admin"))),
        HandlerCalls.getEvent("/schedules/" + id, HandlerCalls.SAMPLE_KEY)).path("body").asText().contains("onboarding-step"))
        .findFirst().orElseThrow();
    var schedule = Emulator.scheduler().getSchedule(b -> b.name("run-" + scheduled).groupName(env.get("SCHEDULE_GROUP")));
    assertThat(schedule.target().arn()).isEqualTo(ARN_PREFIX + "onboarding-step:live");
    assertThat(schedule.target().input()).isEqualTo("{\"scheduled_run_id\":\"" + scheduled + "\"}");

    // EventBridge delivers (here: the test, as the emulator never fires), twice: the step runs once
    WorkflowFunctionHandler step = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("WORKFLOW_NAME", "onboarding-step")));
    String delivery = "{\"scheduled_run_id\":\"" + scheduled + "\"}";
    assertThat(HandlerCalls.invoke(step, delivery).path("ran").asBoolean()).isTrue();
    assertThat(HandlerCalls.invoke(step, delivery).path("ran").asBoolean()).isFalse();

    JsonNode wrongWorkflow = HandlerCalls.invoke(onboard, HandlerCalls.sampleEvent("api-import-orders.json"));
    assertThat(wrongWorkflow.path("statusCode").asInt()).isEqualTo(404);

    WorkflowFunctionHandler admin = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("FUNCTION_ROLE", "admin")));
    JsonNode run = Json.tree(HandlerCalls.invoke(admin, HandlerCalls.getEvent("/runs/" + runId, HandlerCalls.SAMPLE_KEY)).path("body").asText());
    assertThat(run.path("status").asText()).isEqualTo("succeeded");
    assertThat(run.path("stage").asText()).isEqualTo("test");
    assertThat(run.path("steps").size()).isEqualTo(6);
    JsonNode list = Json.tree(HandlerCalls.invoke(admin, HandlerCalls.getEvent("/runs", "workflow=onboard-user", HandlerCalls.SAMPLE_KEY))
        .path("body").asText());
    assertThat(list.path("runs").findValuesAsText("run_id")).contains(runId);
  }

  @Test
  void aDataChangeFunctionRunsItsWorkflowForTheSampleStreamBatchOnce(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    try (dev.backendworkflows.testutils.RecordingServer fulfilment = new dev.backendworkflows.testutils.RecordingServer()) {
      // the shipped workflows, order-paid calling a local stand-in of the fulfilment API
      try (var files = java.nio.file.Files.list(Fixtures.shippedWorkflows())) {
        for (java.nio.file.Path f : files.filter(java.nio.file.Files::isRegularFile).toList()) {
          java.nio.file.Files.writeString(dir.resolve(f.getFileName()), java.nio.file.Files.readString(f)
              .replace("https://fulfilment.example.com/orders", fulfilment.url("/orders")));
        }
      }
      Map<String, String> fn = with("WORKFLOW_NAME", "order-paid");
      fn.put("WORKFLOWS_DIR", dir.toString());
      fn.put(dev.backendworkflows.outbound.OutboundPolicy.ENV_ALLOW_PRIVATE, "true");
      WorkflowFunctionHandler orderPaid = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(fn));
      String batch = HandlerCalls.sampleEvent("data-change-order-paid.json");

      JsonNode first = HandlerCalls.invoke(orderPaid, batch);
      JsonNode again = HandlerCalls.invoke(orderPaid, batch); // Lambda delivers the batch again

      assertThat(first.path("batchItemFailures").isArray()).as(first.toString()).isTrue();
      assertThat(first.path("batchItemFailures")).isEmpty();
      assertThat(again.path("batchItemFailures")).isEmpty();
      assertThat(fulfilment.seen()).as("one call to the fulfilment API for one change").singleElement()
          .satisfies(call -> assertThat(call.body()).contains("01SAMPLETHINGID00000000000"));
    }
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> m = new java.util.HashMap<>(env);
    m.put(key, value);
    return m;
  }
}
