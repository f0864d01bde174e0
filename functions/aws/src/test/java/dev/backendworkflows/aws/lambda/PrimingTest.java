package dev.backendworkflows.aws.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/** SnapStart's priming runs the function's workflow dry: it answers, and nothing reaches AWS but one key read. */
class PrimingTest {
  private static final Path WORKFLOWS = Fixtures.projectRoot().resolve("functions/aws/src/test/resources/budget-workflows");
  private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

  private ApiKeys countedKeys(DynamoDbTables tables) {
    return new ApiKeys(new DynamoDbApiKeyStore(Emulator.dynamoDb(new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
      }
    }), tables.apiKeys()), Clock.systemUTC());
  }

  @Test
  void prime_ofAWorkflowWithEffects_runsItDryAndReadsOneUnknownKey() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    Workflows workflows = new DefinitionLoader().loadFor(WORKFLOWS, "three-notes");
    String answer = Priming.prime(workflows, "three-notes", countedKeys(tables));
    assertThat(answer).startsWith("200 ").contains("\"status\":\"succeeded\"");
    assertThat(requests).as("only the key read reaches AWS").containsExactly("GetItem");
    assertThat(Emulator.sharedClient().scan(b -> b.tableName(tables.things())).count()).as("no note was made").isZero();
    assertThat(Emulator.sharedClient().scan(b -> b.tableName(tables.runs())).count()).as("no run was logged").isZero();
  }

  @Test
  void prime_ofAScheduledWorkflow_runsTheEngineAndReadsNoKey() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    Workflows workflows = new DefinitionLoader().loadFor(WORKFLOWS, "note-later");
    assertThat(Priming.prime(workflows, "note-later", countedKeys(tables))).isEqualTo("succeeded");
    assertThat(requests).as("a scheduled workflow's function may not read the key table").isEmpty();
    assertThat(Emulator.sharedClient().scan(b -> b.tableName(tables.things())).count()).as("no note was made").isZero();
  }

  /** The hook SnapStart calls before its snapshot runs the priming of the function Lambda built. */
  @Test
  void beforeCheckpoint_runsThePrimingOfTheFunctionLambdaBuilt() throws Exception {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    java.util.Map<String, String> env = new java.util.HashMap<>(java.util.Map.of("AWS_ENDPOINT_URL", Emulator.endpoint(),
        "AWS_REGION", "us-east-1", DynamoDbTables.ENV_THINGS, tables.things(), DynamoDbTables.ENV_RUNS, tables.runs(),
        DynamoDbTables.ENV_API_KEYS, tables.apiKeys(), DynamoDbTables.ENV_SCHEDULES, tables.schedules(),
        "WORKFLOWS_DIR", WORKFLOWS.toString(), AwsRuntime.ENV_WORKFLOW, "three-notes"));
    AwsRuntime.Function function = AwsRuntime.fromEnvironment(env, List.of(new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.add(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
      }
    }));
    WorkflowFunctionHandler.snapStartPriming(function).beforeCheckpoint(null);
    assertThat(requests).as("the priming's one key read").containsExactly("GetItem");
    assertThat(Emulator.sharedClient().scan(b -> b.tableName(tables.things())).count()).isZero();
  }

  @Test
  void prime_withoutAWorkflow_doesNothing() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    assertThat(Priming.prime(new DefinitionLoader().load(WORKFLOWS), null, countedKeys(tables))).isEqualTo("no workflow");
    assertThat(requests).isEmpty();
  }

  @Test
  void prime_writesNoLogLine() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    java.io.PrintStream out = System.out;
    java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
    System.setOut(new java.io.PrintStream(captured, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      assertThat(Priming.prime(new DefinitionLoader().loadFor(WORKFLOWS, "three-notes"), "three-notes", countedKeys(tables)))
          .startsWith("200 ");
    } finally {
      System.setOut(out);
    }
    assertThat(captured.toString(java.nio.charset.StandardCharsets.UTF_8)).as("the dry run's lines are left out").isEmpty();
  }
}
