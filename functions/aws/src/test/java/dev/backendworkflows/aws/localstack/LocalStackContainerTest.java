package dev.backendworkflows.aws.localstack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.ApiKeyStoreContract;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbRunLog;
import dev.backendworkflows.aws.dynamodb.DynamoDbScheduleStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.dynamodb.DynamoDbThingStore;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.aws.scheduler.EventBridgeScheduler;
import dev.backendworkflows.aws.ses.SesMailer;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingStoreContract;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.mail.Email;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunLogContract;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.ScheduleStoreContract;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.schedule.SchedulerContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.localstack.LocalStackContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The adapters' contract suites and one end-to-end flow (API call → schedule → delivery → email)
 * against LocalStack in a container. Where no Docker engine exists every test is reported skipped
 * with that reason, never failed and never passed.
 */
class LocalStackContainerTest {
  static final String NO_DOCKER = "No Docker engine: the Testcontainers LocalStack tests need one (the same suites run "
      + "against the emulator at AWS_ENDPOINT_URL instead)";
  private static final AtomicBoolean TOLD = new AtomicBoolean();
  private static LocalStackContainer localstack;
  private static Map<String, String> env;
  private static DynamoDbTables tables;

  @BeforeAll
  static void start() {
    if (!DockerClientFactory.instance().isDockerAvailable()) {
      return;
    }
    localstack = new LocalStackContainer(DockerImageName.parse("localstack/localstack:4.9"))
        .withServices(LocalStackContainer.EnabledService.named("dynamodb"), LocalStackContainer.EnabledService.named("scheduler"),
            LocalStackContainer.EnabledService.named("ses"));
    localstack.start();
    env = new HashMap<>(Map.of("AWS_ENDPOINT_URL", localstack.getEndpoint().toString(), "AWS_REGION", localstack.getRegion()));
    System.setProperty("aws.accessKeyId", localstack.getAccessKey());
    System.setProperty("aws.secretAccessKey", localstack.getSecretKey());
    tables = DynamoDbTables.withPrefix("ls-");
    tables.createIfMissing(AwsRuntime.dynamoDb(env));
    AwsRuntime.client(software.amazon.awssdk.services.scheduler.SchedulerClient.builder(), env).createScheduleGroup(b -> b.name("ls-group"));
    AwsRuntime.client(software.amazon.awssdk.services.sesv2.SesV2Client.builder(), env).createEmailIdentity(b -> b.emailIdentity("app@example.com"));
  }

  @AfterAll
  static void stop() {
    if (localstack != null) {
      localstack.stop();
    }
  }

  /** Every test asks first: with no Docker it is skipped, and the reason is printed once. */
  static void requireDocker() {
    if (localstack == null && TOLD.compareAndSet(false, true)) {
      System.out.println("SKIPPED Testcontainers LocalStack tests: " + NO_DOCKER);
    }
    Assumptions.assumeTrue(localstack != null, NO_DOCKER);
  }

  @Nested
  class Things extends ThingStoreContract {
    @Override
    protected ThingStore newStore() {
      requireDocker();
      return new DynamoDbThingStore(AwsRuntime.dynamoDb(env), tables.things());
    }
  }

  @Nested
  class UniqueAndAtomicUpdates extends dev.backendworkflows.engine.UniqueAndAtomicUpdatesContract {
    @Override
    protected java.util.function.Function<MutableClock, dev.backendworkflows.testutils.Fixtures.Stores> stores() {
      requireDocker();
      return dev.backendworkflows.aws.testsupport.Emulator.stores(AwsRuntime.dynamoDb(env)); // fresh tables, LocalStack serialises writes
    }
  }

  @Nested
  class IndexedFields extends dev.backendworkflows.engine.IndexedFieldsContract {
    @Override
    protected java.util.function.Function<MutableClock, dev.backendworkflows.testutils.Fixtures.Stores> stores() {
      requireDocker();
      return dev.backendworkflows.aws.testsupport.Emulator.stores(AwsRuntime.dynamoDb(env));
    }
  }

  @Nested
  class PrivacyRules extends dev.backendworkflows.engine.PrivacyRulesContract {
    @Override
    protected java.util.function.Function<MutableClock, dev.backendworkflows.testutils.Fixtures.Stores> stores() {
      requireDocker();
      return dev.backendworkflows.aws.testsupport.Emulator.stores(AwsRuntime.dynamoDb(env));
    }
  }

  @Nested
  class Runs extends RunLogContract {
    @Override
    protected RunLog newLog(MutableClock clock) {
      requireDocker();
      return new DynamoDbRunLog(AwsRuntime.dynamoDb(env), tables.runs(), clock);
    }

    @Override
    protected void writeAsBeforeJournals(dev.backendworkflows.runlog.RunRecord r) {
      dev.backendworkflows.aws.dynamodb.DynamoDbRunLogTest.writeAsBeforeJournals(AwsRuntime.dynamoDb(env), tables.runs(), r);
    }
  }

  @Nested
  class Idempotency extends dev.backendworkflows.execution.IdempotencyStoreContract {
    @Override
    protected dev.backendworkflows.execution.IdempotencyStore newStore() {
      requireDocker();
      return new dev.backendworkflows.aws.dynamodb.DynamoDbIdempotencyStore(AwsRuntime.dynamoDb(env), tables.runs());
    }
  }

  @Nested
  class Schedules extends ScheduleStoreContract {
    @Override
    protected ScheduleStore newStore() {
      requireDocker();
      return new DynamoDbScheduleStore(AwsRuntime.dynamoDb(env), tables.schedules());
    }
  }

  @Nested
  class Keys extends ApiKeyStoreContract {
    @Override
    protected ApiKeyStore newStore() {
      requireDocker();
      return new DynamoDbApiKeyStore(AwsRuntime.dynamoDb(env), tables.apiKeys());
    }
  }

  @Nested
  class EventBridge extends SchedulerContract {
    @Override
    protected Scheduler newScheduler() {
      requireDocker();
      var client = AwsRuntime.client(software.amazon.awssdk.services.scheduler.SchedulerClient.builder(), env);
      return new EventBridgeScheduler(() -> client, new EventBridgeScheduler.Config("ls-group",
          "arn:aws:lambda:us-east-1:000000000000:function:ls-wf-", "", "arn:aws:iam::000000000000:role/ls-scheduler", null));
    }
  }

  @Test
  void sesSendsFromAVerifiedIdentity() {
    requireDocker();
    var client = AwsRuntime.client(software.amazon.awssdk.services.sesv2.SesV2Client.builder(), env);
    assertThat(new SesMailer(() -> client).send(new Email("app@example.com", List.of("ada@example.com"), null, "Hi", "Hello", null)))
        .isNotBlank();
  }

  @Test
  void apiCallSchedulesADeliveryThatRunsOnceAndSendsEmail() throws Exception {
    requireDocker();
    Map<String, String> fn = new HashMap<>(env);
    fn.putAll(Map.of(DynamoDbTables.ENV_THINGS, tables.things(), DynamoDbTables.ENV_RUNS, tables.runs(),
        DynamoDbTables.ENV_API_KEYS, tables.apiKeys(), DynamoDbTables.ENV_SCHEDULES, tables.schedules(),
        "WORKFLOWS_DIR", Fixtures.shippedWorkflows().toString(), "MAIL_FROM", "app@example.com", "SCHEDULE_GROUP", "ls-group",
        "FUNCTION_ARN_PREFIX", "arn:aws:lambda:us-east-1:000000000000:function:ls-wf-", "SCHEDULER_ROLE_ARN",
        "arn:aws:iam::000000000000:role/ls-scheduler"));
    new ApiKeys(new DynamoDbApiKeyStore(AwsRuntime.dynamoDb(env), tables.apiKeys()), Clock.systemUTC())
        .register("bwk_sample_key_replace_me", "sample", true);
    WorkflowFunctionHandler onboard = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with(fn, "WORKFLOW_NAME", "onboard-user")));
    var api = invoke(onboard, Files.readString(Fixtures.projectRoot().resolve("events/api-onboard-user.json")));
    assertThat(api.path("statusCode").asInt()).as(api.toString()).isEqualTo(200);

    var scheduler = AwsRuntime.client(software.amazon.awssdk.services.scheduler.SchedulerClient.builder(), env);
    String name = scheduler.listSchedules(b -> b.groupName("ls-group")).schedules().stream()
        .map(s -> s.name()).filter(n -> n.startsWith("run-")).findFirst().orElseThrow();
    String delivery = scheduler.getSchedule(b -> b.name(name).groupName("ls-group")).target().input();
    WorkflowFunctionHandler step = new WorkflowFunctionHandler(AwsRuntime.fromEnvironment(with(fn, "WORKFLOW_NAME", "onboarding-step")));
    assertThat(invoke(step, delivery).path("ran").asBoolean()).isTrue();
    assertThat(invoke(step, delivery).path("ran").asBoolean()).isFalse();
  }

  private static Map<String, String> with(Map<String, String> env, String key, String value) {
    Map<String, String> m = new HashMap<>(env);
    m.put(key, value);
    return m;
  }

  private static com.fasterxml.jackson.databind.JsonNode invoke(WorkflowFunctionHandler handler, String event) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
    return Json.MAPPER.readTree(out.toByteArray());
  }
}
