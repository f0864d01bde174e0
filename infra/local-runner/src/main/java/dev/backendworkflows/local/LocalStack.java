package dev.backendworkflows.local;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.data.local.MapThingStore;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.mail.local.LocalOutbox;
import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.schedule.Deliveries;
import dev.backendworkflows.schedule.local.LocalScheduler;
import dev.backendworkflows.schedule.local.MapScheduleStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The embedded stack the local runner serves from: the local adapters over in-memory maps, or over
 * journaled maps in a data directory, wired into the same Lambda handler AWS runs.
 */
public final class LocalStack implements AutoCloseable {
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final WorkflowFunctionHandler handler;
  private final ApiKeys keys;
  private final Services services;
  private final ActionRegistry actions = ActionRegistry.builtIn();
  private final LocalScheduler scheduler = new LocalScheduler();
  private final Deliveries deliveries;
  private final LocalOutbox outbox;

  /**
   * @param dataDir where data persists, or null for memory only
   */
  public LocalStack(Workflows workflows, Path dataDir, Clock clock, String stage) {
    MapThingStore things = new MapThingStore(map(dataDir, "things"));
    MapRunLog runs = new MapRunLog(map(dataDir, "runs"), clock);
    this.keys = new ApiKeys(new MapApiKeyStore(map(dataDir, "api-keys")), clock);
    this.outbox = new LocalOutbox(map(dataDir, "outbox"), clock);
    this.services = new Services(things, runs, new MapScheduleStore(map(dataDir, "schedules")), scheduler, scheduler,
        outbox, "app@localhost.test", clock, stage, Duration.ofDays(7));
    WorkflowEngine engine = new WorkflowEngine(workflows, services, actions);
    this.deliveries = new Deliveries(services, engine);
    this.handler = new WorkflowFunctionHandler(new HttpApi(engine, runs, keys, new HttpApi.Routes.All()), deliveries);
  }

  private ConcurrentNavigableMap<String, String> map(Path dataDir, String name) {
    if (dataDir == null) {
      return new ConcurrentSkipListMap<>();
    }
    JournaledMap m = JournaledMap.open(dataDir.resolve(name + ".journal"));
    closeables.add(m);
    return m;
  }

  public WorkflowFunctionHandler handler() {
    return handler;
  }

  public LocalOutbox outbox() {
    return outbox;
  }

  public Deliveries deliveries() {
    return deliveries;
  }

  public LocalScheduler scheduler() {
    return scheduler;
  }

  public ActionRegistry actions() {
    return actions;
  }

  public ApiKeys keys() {
    return keys;
  }

  public Services services() {
    return services;
  }

  @Override
  public void close() throws Exception {
    for (AutoCloseable c : closeables) {
      c.close();
    }
  }
}
