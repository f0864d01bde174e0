package dev.backendworkflows.testutils;

import dev.backendworkflows.auth.ApiKeys;
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
    Map<String, String> sources = new LinkedHashMap<>();
    sources.put(DefinitionLoader.DATA_SCHEMA_FILE, DATA_SCHEMA);
    for (int i = 0; i < fileAndYaml.length; i += 2) {
      sources.put(fileAndYaml[i], fileAndYaml[i + 1]);
    }
    return new DefinitionLoader().load(sources);
  }

  /** An engine and API over fresh in-memory adapters. */
  public static final class Stack {
    public final MutableClock clock = MutableClock.at("2026-03-01T09:00:00Z");
    public final MapThingStore things = new MapThingStore();
    public final MapRunLog runs = new MapRunLog(clock);
    public final MapScheduleStore schedules = new MapScheduleStore();
    public final LocalScheduler scheduler = new LocalScheduler();
    public final ApiKeys keys = new ApiKeys(new MapApiKeyStore(), clock);
    public final LocalOutbox outbox = new LocalOutbox(clock);
    /** The environment the local secret store reads ({@code BW_SECRET_<NAME>}). */
    public final java.util.Map<String, String> secretEnv = new java.util.concurrent.ConcurrentHashMap<>();
    public final dev.backendworkflows.execution.local.MapIdempotencyStore idempotency =
        new dev.backendworkflows.execution.local.MapIdempotencyStore();
    /** Kills or holds attempts at any call of the ports below (disarmed: calls pass straight through). */
    public final Faults faults = new Faults();
    private final Object schedulerPorts = faults.wrap(scheduler, dev.backendworkflows.schedule.Scheduler.class,
        dev.backendworkflows.schedule.Dispatcher.class);
    public final Services services = new Services(faults.wrap(things, dev.backendworkflows.data.ThingStore.class),
        faults.wrap(runs, dev.backendworkflows.runlog.RunLog.class),
        faults.wrap(schedules, dev.backendworkflows.schedule.ScheduleStore.class),
        (dev.backendworkflows.schedule.Scheduler) schedulerPorts, (dev.backendworkflows.schedule.Dispatcher) schedulerPorts,
        faults.wrap(outbox, dev.backendworkflows.mail.Mailer.class), "app@example.com",
        faults.wrap(new dev.backendworkflows.outbound.JdkOutboundHttp(), dev.backendworkflows.outbound.OutboundHttp.class),
        new dev.backendworkflows.secrets.local.EnvSecretStore(secretEnv), clock, "test",
        Duration.ofDays(7), faults.wrap(idempotency, dev.backendworkflows.execution.IdempotencyStore.class),
        dev.backendworkflows.execution.LeasePolicy.DEFAULT);
    public final WorkflowEngine engine;
    public final Deliveries deliveries;
    public final HttpApi api;
    public final String adminKey;
    public final String userKey;

    public Stack(Workflows workflows) {
      engine = new WorkflowEngine(workflows, services, ActionRegistry.builtIn());
      api = new HttpApi(engine, runs, keys, new HttpApi.Routes.All());
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
