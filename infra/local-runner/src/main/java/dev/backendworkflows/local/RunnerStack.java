package dev.backendworkflows.local;

import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbIdempotencyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbRunLog;
import dev.backendworkflows.aws.dynamodb.DynamoDbScheduleStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.dynamodb.DynamoDbThingStore;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.aws.scheduler.EventBridgeScheduler;
import dev.backendworkflows.aws.ses.SesMailer;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.datachange.ChangeTriggers;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.execution.local.MapIdempotencyStore;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.mail.Mailer;
import dev.backendworkflows.outbound.OutboundPolicy;
import dev.backendworkflows.mail.local.LocalOutbox;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.schedule.Deliveries;
import dev.backendworkflows.schedule.RecurringEvent;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.schedule.local.LocalScheduler;
import dev.backendworkflows.schedule.local.MapScheduleStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.scheduler.model.ConflictException;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/**
 * What the local runner serves from, wired into the same Lambda handler AWS runs: either the
 * embedded stack (local adapters over in-memory or journaled maps) or, with {@code --aws-endpoint},
 * the AWS adapters against an emulator such as LocalStack. A run due now is always dispatched
 * in-process (there are no deployed functions to invoke asynchronously). Every delivery and request
 * is an invocation of this process; runs held by invocations of an earlier process (a runner that
 * was stopped or killed) are taken over at once on start.
 */
public final class RunnerStack implements AutoCloseable {
  static final String LOCAL_MAIL_FROM = "app@localhost.test";
  private final WorkflowEngine engine;
  private final List<AutoCloseable> closeables;
  private final WorkflowFunctionHandler handler;
  private final ApiKeys keys;
  private final Services services;
  private final ActionRegistry actions = ActionRegistry.builtIn();
  private final LocalScheduler local;
  private final Deliveries deliveries;
  private final LocalOutbox outbox;
  private final ChangeDispatcher changes;

  /** Names the invocations of this process; invocations of an earlier process are dead, so their runs are taken over at once. */
  private final String boot = "local-" + dev.backendworkflows.internal.Ids.newId(java.time.Instant.now()).substring(10, 20) + "-";
  private final java.util.concurrent.atomic.AtomicLong invocations = new java.util.concurrent.atomic.AtomicLong();

  private RunnerStack(Workflows workflows, ThingStore things, RunLog runs, ScheduleStore schedules, Scheduler scheduler,
      LocalScheduler local, Mailer mailer, LocalOutbox outbox, ApiKeyStore keys, IdempotencyStore idempotency, Clock clock,
      String stage, List<AutoCloseable> closeables, boolean ownsItsData, OutboundPolicy outbound, MapThingStore changeFeed,
      dev.backendworkflows.definition.DefinitionVersions versions) {
    this.local = local;
    this.outbox = outbox;
    this.closeables = closeables;
    this.keys = new ApiKeys(keys, clock, java.time.Duration.ZERO); // a map lookup costs nothing; keys revoked elsewhere stop at once
    // the embedded stack's data is this process's alone, so a holder of an earlier process is dead; an
    // emulator may be shared by several runners, whose runs are taken over only when their leases pass
    LeasePolicy leases = ownsItsData ? LeasePolicy.DEFAULT.withDeadHolders(holder -> holder.startsWith("local-")
        && !holder.startsWith(boot)) : LeasePolicy.DEFAULT;
    this.services = new Services(things, runs, schedules, scheduler, local, mailer, LOCAL_MAIL_FROM, new dev.backendworkflows.outbound.JdkOutboundHttp(outbound),
        new dev.backendworkflows.secrets.local.EnvSecretStore(System.getenv()), clock, stage, Duration.ofDays(7), idempotency, leases);
    WorkflowEngine engine = new WorkflowEngine(workflows, services, actions, versions);
    this.engine = engine;
    // no older code runs beside this process on data it owns, so an index build need not wait for any
    this.deliveries = new Deliveries(services, engine, ownsItsData ? Duration.ZERO : Deliveries.DEPLOY_OVERLAP);
    this.handler = new WorkflowFunctionHandler(new HttpApi(engine, runs, this.keys, new HttpApi.Routes.All()), deliveries,
        this::invocation);
    this.changes = changeFeed == null ? null : new ChangeDispatcher(changeFeed, new ChangeTriggers(engine), this::invocation, clock);
    if (changes != null) {
      closeables.add(changes); // closed first: it stops before the journals it reads close
    }
  }

  /**
   * A new invocation of this process: a delivery or request, held to Lambda's longest run so that
   * leases (and custom events run inside it) expire together, as they do on AWS.
   */
  Invocation invocation() {
    return new Invocation(boot + invocations.incrementAndGet(), services.clock().instant().plus(LeasePolicy.LONGEST_RUN));
  }

  /**
   * The embedded stack; {@code dataDir} keeps data across restarts, null keeps it in memory. The run
   * log keeps {@code keepRuns} finished runs in memory and the older ones in files, so memory does
   * not grow with the number of runs.
   */
  public static RunnerStack embedded(Workflows workflows, Path dataDir, int keepRuns, Clock clock, String stage,
      OutboundPolicy outbound) {
    return embedded(workflows, dataDir, keepRuns, clock, stage, outbound, dev.backendworkflows.definition.DefinitionVersions.NONE);
  }

  /** The embedded stack, continuing runs whose workflow changed under the versions {@code versions} keeps. */
  public static RunnerStack embedded(Workflows workflows, Path dataDir, int keepRuns, Clock clock, String stage,
      OutboundPolicy outbound, dev.backendworkflows.definition.DefinitionVersions versions) {
    List<AutoCloseable> closeables = new ArrayList<>();
    if (dataDir != null) {
      closeables.add(DataDirLock.acquire(dataDir));
    }
    try {
      LocalScheduler local = new LocalScheduler();
      LocalOutbox outbox = new LocalOutbox(map(dataDir, "outbox", closeables), clock);
      MapThingStore things = new MapThingStore(map(dataDir, "things", closeables));
      return new RunnerStack(workflows, things,
          new MapRunLog(map(dataDir, "runs", closeables), archive(dataDir, closeables), keepRuns, clock), new MapScheduleStore(map(dataDir, "schedules", closeables)),
          local, local, outbox, outbox, new MapApiKeyStore(map(dataDir, DataDirKeys.JOURNAL, closeables)),
          new MapIdempotencyStore(map(dataDir, "idempotency", closeables)), clock, stage, closeables, true, outbound, things,
          versions);
    } catch (RuntimeException e) { // a journal that will not open: give back what was opened, the lock last
      for (AutoCloseable c : closeables.reversed()) {
        try {
          c.close();
        } catch (Exception suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw e;
    }
  }

  /**
   * The AWS adapters against an emulator at {@code endpoint}: the tables and schedule group are
   * created as {@code infra/localstack/init-aws.sh} would, the default sender is verified in SES.
   */
  public static RunnerStack emulator(Workflows workflows, String endpoint, Clock clock, String stage, OutboundPolicy outbound) {
    return emulator(workflows, endpoint, clock, stage, outbound, dev.backendworkflows.definition.DefinitionVersions.NONE);
  }

  /** The emulator stack, continuing runs whose workflow changed under the versions {@code versions} keeps. */
  public static RunnerStack emulator(Workflows workflows, String endpoint, Clock clock, String stage, OutboundPolicy outbound,
      dev.backendworkflows.definition.DefinitionVersions versions) {
    if (System.getenv("AWS_ACCESS_KEY_ID") == null && System.getProperty("aws.accessKeyId") == null) {
      // emulators accept any credentials; without these the SDK would look for real ones
      System.setProperty("aws.accessKeyId", "test");
      System.setProperty("aws.secretAccessKey", "test");
    }
    Map<String, String> env = new java.util.HashMap<>(System.getenv());
    env.put("AWS_ENDPOINT_URL", endpoint);
    env.putIfAbsent("AWS_REGION", "us-east-1");
    DynamoDbClient dynamo = AwsRuntime.dynamoDb(env);
    DynamoDbTables tables = DynamoDbTables.withPrefix(AwsRuntime.DEFAULT_TABLE_PREFIX);
    tables.createIfMissing(dynamo, false); // the runner reads no stream here, and an emulator's would only slow it down
    SchedulerClient schedulerClient = AwsRuntime.client(SchedulerClient.builder(), env);
    try {
      schedulerClient.createScheduleGroup(b -> b.name(AwsRuntime.DEFAULT_SCHEDULE_GROUP));
    } catch (ConflictException exists) {
      // created by the init script or an earlier start
    }
    SesV2Client ses = AwsRuntime.client(SesV2Client.builder(), env);
    try {
      ses.createEmailIdentity(b -> b.emailIdentity(LOCAL_MAIL_FROM));
    } catch (software.amazon.awssdk.services.sesv2.model.AlreadyExistsException exists) {
      // verified before
    }
    LocalScheduler local = new LocalScheduler();
    EventBridgeScheduler eventBridge = new EventBridgeScheduler(() -> schedulerClient, new EventBridgeScheduler.Config(
        AwsRuntime.DEFAULT_SCHEDULE_GROUP, "arn:aws:lambda:us-east-1:000000000000:function:backend-workflows-wf-", "",
        "arn:aws:iam::000000000000:role/backend-workflows-scheduler", null));
    return new RunnerStack(workflows, new DynamoDbThingStore(dynamo, tables.things()), new DynamoDbRunLog(dynamo, tables.runs(), clock),
        new DynamoDbScheduleStore(dynamo, tables.schedules()), new EmulatedScheduler(eventBridge, local), local,
        new SesMailer(() -> ses), null, new DynamoDbApiKeyStore(dynamo, tables.apiKeys()),
        new DynamoDbIdempotencyStore(dynamo, tables.runs()), clock, stage, new ArrayList<>(), false, outbound, null, versions);
  }

  /**
   * Schedules go to the emulator's EventBridge Scheduler, as on AWS; since emulators store but never
   * fire them, recurring events are also armed locally and the runner polls the one-time schedules.
   */
  private record EmulatedScheduler(EventBridgeScheduler eventBridge, LocalScheduler local) implements Scheduler {
    public void deliverAt(String id, String workflow, Instant at) {
      eventBridge.deliverAt(id, workflow, at);
    }

    public void cancel(String id) {
      eventBridge.cancel(id);
    }

    public List<Delivery> due(Instant now) {
      return eventBridge.due(now);
    }

    public void delivered(String id) {
      eventBridge.delivered(id);
    }

    public void deliverRecurring(RecurringEvent event) {
      eventBridge.deliverRecurring(event);
      local.deliverRecurring(event);
    }

    public void cancelRecurring(String id) {
      eventBridge.cancelRecurring(id);
      local.cancelRecurring(id);
    }
  }

  private static FileMap archive(Path dataDir, List<AutoCloseable> closeables) {
    FileMap archive = dataDir == null ? FileMap.temporary("bw-runs-archive") : FileMap.open(dataDir.resolve("runs-archive"));
    closeables.add(archive);
    return archive;
  }

  private static ConcurrentNavigableMap<String, String> map(Path dataDir, String name, List<AutoCloseable> closeables) {
    if (dataDir == null) {
      return new ConcurrentSkipListMap<>();
    }
    JournaledMap m = JournaledMap.open(dataDir.resolve(name + ".journal"));
    closeables.add(m);
    return m;
  }

  /** True when schedules live in an emulator that the runner must poll. */
  public boolean pollsEmulator() {
    return services.scheduler() != local;
  }

  /** The captured email, or null in emulator mode (the emulator's SES keeps it). */
  public LocalOutbox outbox() {
    return outbox;
  }

  /** What delivers the store's changes to data_change workflows; null with an emulator (its stream is not read). */
  ChangeDispatcher changes() {
    return changes;
  }

  public Deliveries deliveries() {
    return deliveries;
  }

  public LocalScheduler scheduler() {
    return local;
  }

  public ActionRegistry actions() {
    return actions;
  }

  public WorkflowFunctionHandler handler() {
    return handler;
  }

  public ApiKeys keys() {
    return keys;
  }

  /** The engine the handler runs workflows with (bw run uses it directly). */
  public WorkflowEngine engine() {
    return engine;
  }

  public Services services() {
    return services;
  }

  @Override
  public void close() throws Exception {
    // journals first, the data directory's lock last
    for (AutoCloseable c : closeables.reversed()) {
      c.close();
    }
  }
}
