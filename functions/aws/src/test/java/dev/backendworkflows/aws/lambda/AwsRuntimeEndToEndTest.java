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

  @BeforeEach
  void deploy() {
    String endpoint = Emulator.endpoint();
    DynamoDbClient client = Emulator.sharedClient();
    tables = Emulator.sharedTables();
    env = Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_REGION", "us-east-1", "STAGE", "test",
        DynamoDbTables.ENV_THINGS, tables.things(), DynamoDbTables.ENV_RUNS, tables.runs(),
        DynamoDbTables.ENV_API_KEYS, tables.apiKeys(), "WORKFLOWS_DIR", Fixtures.shippedWorkflows().toString());
    new ApiKeys(new DynamoDbApiKeyStore(client, tables.apiKeys()), Clock.systemUTC()).register(HandlerCalls.SAMPLE_KEY, "sample", true);
  }

  @Test
  void workflowFunctionRunsItsWorkflowAndTheAdminFunctionReadsTheRun() {
    WorkflowFunctionHandler onboard = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("WORKFLOW_NAME", "onboard-user")));
    JsonNode response = HandlerCalls.invoke(onboard, HandlerCalls.sampleEvent("api-onboard-user.json"));
    assertThat(response.path("statusCode").asInt()).as(response.toString()).isEqualTo(200);
    String runId = Json.tree(response.path("body").asText()).path("run_id").asText();

    JsonNode wrongWorkflow = HandlerCalls.invoke(onboard, HandlerCalls.sampleEvent("api-import-orders.json"));
    assertThat(wrongWorkflow.path("statusCode").asInt()).isEqualTo(404);

    WorkflowFunctionHandler admin = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with("FUNCTION_ROLE", "admin")));
    JsonNode run = Json.tree(HandlerCalls.invoke(admin, HandlerCalls.getEvent("/runs/" + runId, HandlerCalls.SAMPLE_KEY)).path("body").asText());
    assertThat(run.path("status").asText()).isEqualTo("succeeded");
    assertThat(run.path("stage").asText()).isEqualTo("test");
    assertThat(run.path("steps").size()).isEqualTo(5);
    JsonNode list = Json.tree(HandlerCalls.invoke(admin, HandlerCalls.getEvent("/runs", "workflow=onboard-user", HandlerCalls.SAMPLE_KEY))
        .path("body").asText());
    assertThat(list.path("runs").findValuesAsText("run_id")).contains(runId);
  }

  private static Map<String, String> with(String key, String value) {
    Map<String, String> m = new java.util.HashMap<>(env);
    m.put(key, value);
    return m;
  }
}
