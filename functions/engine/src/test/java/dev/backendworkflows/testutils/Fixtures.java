package dev.backendworkflows.testutils;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.execution.local.MapIdempotencyStore;
import dev.backendworkflows.mail.Mailer;
import dev.backendworkflows.outbound.JdkOutboundHttp;
import dev.backendworkflows.outbound.OutboundHttp;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.schedule.Dispatcher;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.secrets.local.EnvSecretStore;
import java.time.Clock;
import java.util.function.Function;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.mail.local.LocalOutbox;
import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.schedule.Deliveries;
import dev.backendworkflows.schedule.local.LocalScheduler;
import dev.backendworkflows.schedule.local.MapScheduleStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** Shared test fixtures: definitions from inline YAML, an engine on the in-memory adapters, requests. */
public final class Fixtures {
  public static final String DATA_SCHEMA = """
      types:
        user:
          fields:
            email: { type: text }
            name: { type: text }
            age: { type: number }
            subscribed: { type: boolean }
            born: { type: date }
            tags: { type: text, list: true }
        note:
          fields:
            text: { type: text }
      """;

  /** A scheduled workflow that always fails ({@code thing_not_found}): batch items to count as failed. */
  public static final String FAIL_ONE = """
      name: fail-one
      trigger: { schedule: {} }
      parameters:
        n: { type: number, required: true }
      steps:
        - { action: update_thing, type: note, thing_id: missing, fields: { text: x } }
      """;

  /** A scheduled workflow that records note {@code n}, failing for every n with n % 4 = 3 (its update finds no thing). */
  public static final String RECORD_ONE = """
      name: record-one
      trigger: { schedule: {} }
      parameters:
        n: { type: number, required: true }
      steps:
        - { action: update_thing, type: note, thing_id: missing, fields: { text: x }, when: "{% $params.n % 4 = 3 %}" }
        - { action: create_thing, type: note, fields: { text: "{% $string($params.n) %}" } }
      """;

  /** An API workflow that schedules write-note {@code after} a duration (default three days). */
  public static final String REMIND = """
      name: remind
      trigger: { api: {} }
      parameters:
        text: { type: text, required: true }
        after: { type: text, default: P3D }
      steps:
        - id: later
          action: schedule_workflow
          workflow: write-note
          after: "{% $params.after %}"
          params: { text: "{% $params.text %}" }
        - action: return
          data: "{% $steps.later %}"
      """;

  /** A scheduled workflow that writes one note: one thing per run, to count runs by. */
  public static final String WRITE_NOTE = """
      name: write-note
      trigger: { schedule: {} }
      parameters:
        text: { type: text, required: true }
      steps:
        - { action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
      """;

  private Fixtures() {}

  /** The repository root (set by the build), for shipped workflows and events. */
  public static Path projectRoot() {
    String root = System.getProperty("project.root");
    return root != null ? Path.of(root) : Path.of("../..").toAbsolutePath().normalize();
  }

  public static Path shippedWorkflows() {
    return projectRoot().resolve("functions/workflows");
  }

  /** Loads {@code file name → yaml} pairs plus the shared test data schema. */
  public static Workflows workflows(String... fileAndYaml) {
    return workflowsOver(DATA_SCHEMA, fileAndYaml);
  }

  /** Loads {@code file name → yaml} pairs with {@code dataSchema} as data-schema.yaml. */
  public static Workflows workflowsOver(String dataSchema, String... fileAndYaml) {
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put(DefinitionLoader.DATA_SCHEMA_FILE, dataSchema);
    for (int i = 0; i < fileAndYaml.length; i += 2) {
      sources.put(fileAndYaml[i], fileAndYaml[i + 1]);
    }
    return new DefinitionLoader().load(sources);
  }

  /** The stores a {@link Stack} runs on: the local adapters, or the DynamoDB adapters against an emulator. */
  public record Stores(ThingStore things, RunLog runs, ScheduleStore schedules, IdempotencyStore idempotency) {
    /** Fresh in-memory stores. */
    public static Stores local(Clock clock) {
      return new Stores(new MapThingStore(), new MapRunLog(clock), new MapScheduleStore(), new MapIdempotencyStore());
    }
  }

  /** An engine and API over fresh in-memory adapters (or the stores given), with fault hooks on every port. */
  public static final class Stack {
    public final MutableClock clock;
    public final ThingStore things;
    public final RunLog runs;
    public final ScheduleStore schedules;
    public final IdempotencyStore idempotency;
    public final LocalScheduler scheduler = new LocalScheduler();
    public final ApiKeys keys;
    public final LocalOutbox outbox;
    /** The environment the local secret store reads ({@code BW_SECRET_<NAME>}); its values must never show in an error. */
    public final java.util.Map<String, String> secretEnv = new java.util.concurrent.ConcurrentHashMap<>() {
      @Override
      public String put(String key, String value) {
        ErrorBodies.secret(value);
        return super.put(key, value);
      }
    };
    /** Kills or holds attempts at any call of the ports below (disarmed: calls pass straight through). */
    public final Faults faults = new Faults();
    public final Services services;
    public final WorkflowEngine engine;
    public final Deliveries deliveries;
    public final TestApi api;
    public final String adminKey;
    public final String userKey;

    public Stack(Workflows workflows) {
      this(workflows, MutableClock.at("2026-03-01T09:00:00Z"), null);
    }

    /** A stack on {@code stores} (made for {@code clock}), or on fresh in-memory stores when null. */
    public Stack(Workflows workflows, MutableClock clock, Function<MutableClock, Stores> stores) {
      // tests call servers on localhost, as the local runner's --allow-private-outbound allows
      this(workflows, clock, stores, dev.backendworkflows.outbound.OutboundPolicy.allowingPrivate());
    }

    /** A stack whose api_call follows {@code outbound}. */
    public Stack(Workflows workflows, MutableClock clock, Function<MutableClock, Stores> stores,
        dev.backendworkflows.outbound.OutboundPolicy outbound) {
      this.clock = clock;
      Stores s = stores == null ? Stores.local(clock) : stores.apply(clock);
      things = s.things();
      runs = s.runs();
      schedules = s.schedules();
      idempotency = s.idempotency();
      keys = new ApiKeys(new MapApiKeyStore(), clock);
      outbox = new LocalOutbox(clock);
      Object schedulerPorts = faults.wrap(scheduler, Scheduler.class, Dispatcher.class);
      services = new Services(faults.wrap(things, ThingStore.class), faults.wrap(runs, RunLog.class),
          faults.wrap(schedules, ScheduleStore.class), (Scheduler) schedulerPorts, (Dispatcher) schedulerPorts,
          faults.wrap(outbox, Mailer.class), "app@example.com", faults.wrap(new JdkOutboundHttp(outbound), OutboundHttp.class),
          new EnvSecretStore(secretEnv), clock, "test", Duration.ofDays(7), faults.wrap(idempotency, IdempotencyStore.class),
          LeasePolicy.DEFAULT);
      engine = new WorkflowEngine(workflows, services, ActionRegistry.builtIn());
      api = new TestApi(new HttpApi(engine, runs, keys, new HttpApi.Routes.All()));
      deliveries = new Deliveries(services, engine);
      adminKey = keys.issue("admin", true);
      userKey = keys.issue("app", false);
    }

    /** Fires everything due now, including what those runs schedule for now; returns how many ran. */
    public int fireDue() {
      int total = 0;
      int fired;
      do {
        fired = scheduler.fireDue(clock.instant(), d -> {
          if (d.resume()) {
            deliveries.resume(d.scheduledRunId(), dev.backendworkflows.execution.Invocation.untimed());
          } else {
            deliveries.deliver(d.scheduledRunId());
          }
        });
        total += fired;
      } while (fired > 0);
      return total;
    }

    /** Fires what is due now, once: what those deliveries dispatch waits for the next call. */
    public int fireOnce() {
      return scheduler.fireDue(clock.instant(), d -> {
        if (d.resume()) {
          deliveries.resume(d.scheduledRunId(), dev.backendworkflows.execution.Invocation.untimed());
        } else {
          deliveries.deliver(d.scheduledRunId());
        }
      });
    }

    /** Moves time forward and fires what became due. */
    public int advance(java.time.Duration d) {
      clock.advance(d);
      return fireDue();
    }
  }

  public static ApiRequest post(String path, String key, String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("content-type", "application/json");
    if (key != null) {
      headers.put("authorization", "Bearer " + key);
    }
    return new ApiRequest("POST", path, headers, Map.of(), body, "req-1");
  }

  public static ApiRequest get(String path, String key, Map<String, String> query) {
    return new ApiRequest("GET", path, key == null ? Map.of() : Map.of("authorization", "Bearer " + key), query, null, "req-2");
  }
}
