package dev.backendworkflows.aws.lambda;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbRunLog;
import dev.backendworkflows.aws.dynamodb.DynamoDbScheduleStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.dynamodb.DynamoDbThingStore;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.aws.scheduler.EventBridgeScheduler;
import dev.backendworkflows.aws.scheduler.LambdaDispatcher;
import dev.backendworkflows.schedule.Deliveries;
import java.util.List;
import java.util.function.Supplier;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.sesv2.SesV2Client;
import software.amazon.awssdk.services.ssm.SsmClient;
import dev.backendworkflows.aws.ses.SesMailer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Builds the HTTP API from the function's environment: {@code WORKFLOW_NAME} (this function's
 * workflow) or {@code FUNCTION_ROLE=admin}; {@code STAGE}; {@code RUN_RETENTION_DAYS} (default 30);
 * the table names of {@link DynamoDbTables}; {@code WORKFLOWS_DIR} (default: the packaged workflows);
 * for scheduling {@code SCHEDULE_GROUP}, {@code FUNCTION_ARN_PREFIX} and {@code FUNCTION_ARN_SUFFIX}
 * (around a workflow name: its function's alias ARN), {@code SCHEDULER_ROLE_ARN}, {@code SCHEDULER_DLQ_ARN}; {@code MAIL_FROM} (the default
 * sender, a verified SES identity); {@code SECRETS_PREFIX} (SSM parameter path of secrets, default
 * {@code /backend-workflows/<stage>/}); {@code AWS_ENDPOINT_URL} to
 * point the SDK at an emulator.
 */
public final class AwsRuntime {
  public static final String ENV_WORKFLOW = "WORKFLOW_NAME";
  public static final String ENV_ROLE = "FUNCTION_ROLE";
  public static final int DEFAULT_RETENTION_DAYS = 30;
  /** Table names and schedule group when the environment does not name them (emulators, the runner). */
  public static final String DEFAULT_TABLE_PREFIX = "backend-workflows-";
  public static final String DEFAULT_SCHEDULE_GROUP = "backend-workflows";

  private AwsRuntime() {}

  /**
   * What a function serves: HTTP requests, deliveries of scheduled runs and stream batches;
   * {@code priming} is the dry run SnapStart takes before its snapshot ({@link Priming}); {@code
   * workflow} is the one workflow it serves (null for the admin function).
   */
  public record Function(HttpApi api, Deliveries deliveries, Runnable priming, String workflow) {
    public Function(HttpApi api, Deliveries deliveries) {
      this(api, deliveries, () -> {}, null);
    }
  }

  /**
   * True when Lambda initialises ahead of requests — SnapStart's snapshot or provisioned
   * concurrency ({@code AWS_LAMBDA_INITIALIZATION_TYPE}): then every SDK client is built at init,
   * where it costs no request anything. On an on-demand cold start the first request waits for
   * init, so clients most invocations never use (Scheduler, Lambda, SES, SSM) are built on first use.
   */
  static boolean initAhead(Map<String, String> env) {
    String type = env.get("AWS_LAMBDA_INITIALIZATION_TYPE");
    return "snap-start".equals(type) || "provisioned-concurrency".equals(type);
  }

  public static Function fromEnvironment(Map<String, String> env) {
    return fromEnvironment(env, List.of());
  }

  /**
   * As {@link #fromEnvironment(Map)}, with {@code interceptors} on every SDK client: tests count
   * requests or inject faults with them. The DynamoDB client is built here (every invocation uses
   * it); the others here too when init runs ahead of requests ({@link #initAhead}), else on first use.
   */
  public static Function fromEnvironment(Map<String, String> env, List<ExecutionInterceptor> interceptors) {
    DynamoDbClient dynamo = client(DynamoDbClient.builder(), env, interceptors);
    DynamoDbTables tables = DynamoDbTables.fromEnvironment(env, DEFAULT_TABLE_PREFIX);
    Clock clock = Clock.systemUTC();
    EventBridgeScheduler.Config config = new EventBridgeScheduler.Config(env.getOrDefault("SCHEDULE_GROUP", DEFAULT_SCHEDULE_GROUP),
        env.getOrDefault("FUNCTION_ARN_PREFIX", ""), env.getOrDefault("FUNCTION_ARN_SUFFIX", ""),
        env.getOrDefault("SCHEDULER_ROLE_ARN", ""), env.get("SCHEDULER_DLQ_ARN"));
    boolean ahead = initAhead(env);
    Supplier<SchedulerClient> schedulerClient = built(ahead, () -> client(SchedulerClient.builder(), env, interceptors));
    Supplier<LambdaClient> lambda = built(ahead, () -> client(LambdaClient.builder(), env, interceptors));
    Supplier<SesV2Client> ses = built(ahead, () -> client(SesV2Client.builder(), env, interceptors));
    Supplier<SsmClient> ssm = built(ahead, () -> client(SsmClient.builder(), env, interceptors));
    EventBridgeScheduler scheduler = new EventBridgeScheduler(schedulerClient, config);
    LambdaDispatcher dispatcher = new LambdaDispatcher(lambda, config::functionArn);
    Services services = new Services(new DynamoDbThingStore(dynamo, tables.things()),
        new DynamoDbRunLog(dynamo, tables.runs(), clock), new DynamoDbScheduleStore(dynamo, tables.schedules()),
        scheduler, dispatcher, new SesMailer(ses), env.get("MAIL_FROM"),
        new dev.backendworkflows.outbound.JdkOutboundHttp(dev.backendworkflows.outbound.OutboundPolicy.fromEnvironment(env)),
        new dev.backendworkflows.aws.ssm.SsmSecretStore(ssm,
            env.getOrDefault("SECRETS_PREFIX", "/backend-workflows/" + env.getOrDefault("STAGE", "dev") + "/"), clock), clock, env.getOrDefault("STAGE", "dev"),
        Duration.ofDays(Long.parseLong(env.getOrDefault("RUN_RETENTION_DAYS", String.valueOf(DEFAULT_RETENTION_DAYS)))),
        new DynamoDbIdempotencyStore(dynamo, tables.runs()), dev.backendworkflows.execution.LeasePolicy.DEFAULT);
    String own = env.get(ENV_WORKFLOW);
    // a workflow's function builds only what it runs; the admin function (runs, batches, the sweep) builds all
    Workflows workflows = own != null && !own.isBlank() ? new DefinitionLoader().loadFor(workflowsDir(env), own)
        : new DefinitionLoader().load(workflowsDir(env));
    workflows.warnings().forEach(w -> dev.backendworkflows.internal.StructuredLog.write("warn", "definition warning: " + w, Map.of()));
    // a run continued after a deploy changed its workflow runs on under the version it started with (versions/ ships in the artifact)
    WorkflowEngine engine = new WorkflowEngine(workflows, services, ActionRegistry.builtIn(), new dev.backendworkflows.definition.KeptVersions(
        workflowsDir(env), List.of(workflowsDir(env).resolve(dev.backendworkflows.definition.KeptVersions.FOLDER))));
    ApiKeys keys = new ApiKeys(new DynamoDbApiKeyStore(dynamo, tables.apiKeys()), clock);
    HttpApi api = new HttpApi(engine, services.runs(), keys, routes(env));
    return new Function(api, new Deliveries(services, engine), () -> Priming.prime(workflows, own, keys),
        own == null || own.isBlank() ? null : own);
  }

  /** The client now when {@code now}, else built on first use (once). */
  private static <T> Supplier<T> built(boolean now, Supplier<T> build) {
    if (now) {
      T client = build.get();
      return () -> client;
    }
    return new Supplier<>() {
      private T value;

      @Override
      public synchronized T get() {
        if (value == null) {
          value = build.get();
        }
        return value;
      }
    };
  }

  static HttpApi.Routes routes(Map<String, String> env) {
    if (env.get(ENV_WORKFLOW) != null && !env.get(ENV_WORKFLOW).isBlank()) {
      return new HttpApi.Routes.Workflow(env.get(ENV_WORKFLOW));
    }
    return "admin".equals(env.get(ENV_ROLE)) ? new HttpApi.Routes.Admin() : new HttpApi.Routes.All();
  }

  static Path workflowsDir(Map<String, String> env) {
    if (env.containsKey("WORKFLOWS_DIR")) {
      return Path.of(env.get("WORKFLOWS_DIR"));
    }
    return Path.of(env.getOrDefault("LAMBDA_TASK_ROOT", "."), "workflows");
  }

  /** A DynamoDB client on the lean JDK HTTP client; honours {@code AWS_ENDPOINT_URL} and {@code AWS_REGION}. */
  public static DynamoDbClient dynamoDb(Map<String, String> env) {
    return client(DynamoDbClient.builder(), env);
  }

  /** Any SDK client on the lean JDK HTTP client, with the region and endpoint from the environment. */
  public static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, Map<String, String> env) {
    return client(builder, env, List.of());
  }

  private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(B builder, Map<String, String> env,
      List<ExecutionInterceptor> interceptors) {
    if (!interceptors.isEmpty()) {
      builder.overrideConfiguration(c -> interceptors.forEach(c::addExecutionInterceptor));
    }
    builder.httpClient(UrlConnectionHttpClient.create())
        .region(Region.of(env.getOrDefault("AWS_REGION", env.getOrDefault("AWS_DEFAULT_REGION", "us-east-1"))));
    String endpoint = env.get("AWS_ENDPOINT_URL");
    if (endpoint != null && !endpoint.isBlank()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    return builder.build();
  }
}
