package dev.backendworkflows.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.schedule.SchedulePage;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.local.LocalScheduler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fires the local scheduler: every tick (100 ms by default, so a run fires within a second of its
 * due time) it hands each due delivery to the Lambda handler as the event EventBridge Scheduler
 * would send. On start it re-arms every pending run from the schedule store — runs that fell due
 * while the runner was down fire at once — and sweeps: runs a stop or {@code kill -9} interrupted
 * are continued from their journal, as AWS continues them; then it sweeps every minute, as the
 * deployed sweeper does. Recurring workflows fire at each time their expression gives, in its time zone.
 */
final class SchedulerLoop implements AutoCloseable {
  private static final int MAX_CATCH_UP = 1000;
  /** How often the emulator's schedules are listed (each poll lists and reads them). */
  private static final long EMULATOR_POLL_MS = 1000;
  private final Services services;
  private final LocalScheduler scheduler;
  private final RequestStreamHandler handler;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-scheduler");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
  private final List<WorkflowDefinition> recurring;
  private final Map<String, Instant> nextFiring = new ConcurrentHashMap<>();
  private final Instant anchor;
  private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

  private final boolean pollEmulator;
  private volatile Instant lastPoll = Instant.EPOCH;
  /** How often the sweep runs, as the deployed sweeper does. */
  static final Duration SWEEP_EVERY = Duration.ofMinutes(1);
  private volatile Instant lastSweep;
  private final dev.backendworkflows.schedule.Deliveries deliveries;
  private final java.util.function.Supplier<dev.backendworkflows.execution.Invocation> invocations;

  SchedulerLoop(Services services, Workflows workflows, LocalScheduler scheduler, RequestStreamHandler handler, boolean pollEmulator,
      dev.backendworkflows.schedule.Deliveries deliveries, java.util.function.Supplier<dev.backendworkflows.execution.Invocation> invocations) {
    this.pollEmulator = pollEmulator;
    this.deliveries = deliveries;
    this.invocations = invocations;
    this.services = services;
    this.scheduler = scheduler;
    this.handler = handler;
    this.recurring = workflows.byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.RECURRING).toList();
    this.anchor = services.clock().instant();
    // firings missed while the runner was down are not replayed, as EventBridge does not replay them either
    recurring.forEach(w -> following(w, anchor).ifPresent(t -> nextFiring.put(w.name(), t)));
  }

  /** The first firing of a recurring workflow after {@code after}, within its start/end window. */
  private Optional<Instant> following(WorkflowDefinition w, Instant after) {
    Trigger.Recurring r = w.trigger().recurring();
    Instant from = r.start() != null && r.start().isAfter(after) ? r.start().minusNanos(1) : after;
    return r.expression().next(from, r.start() != null ? r.start() : anchor).filter(t -> r.end() == null || !t.isAfter(r.end()));
  }

  /** Re-arms from the store, sweeps, and starts ticking; returns how many pending runs were re-armed. */
  int start(Duration tick) {
    int rearmed = rearm();
    sweep();
    ticker.scheduleWithFixedDelay(this::tickQuietly, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    return rearmed;
  }

  /** Hands runs whose attempt died (in this process or an earlier one) to new attempts; returns what it did. */
  dev.backendworkflows.schedule.Deliveries.Sweep sweep() {
    lastSweep = services.clock().instant();
    return deliveries.sweep(invocations.get());
  }

  int rearm() {
    int count = 0;
    if (!pollEmulator) { // else their schedules live in the emulator, which the loop polls
      String cursor = null;
      do {
        SchedulePage page = services.schedules().list(ScheduleStatus.PENDING, null, 100, cursor);
        for (ScheduledRun run : page.runs()) {
          scheduler.deliverAt(run.id(), run.workflow(), run.dueAt());
          count++;
        }
        cursor = page.cursor();
      } while (cursor != null);
    }
    for (var event : services.schedules().listRecurring()) {
      scheduler.rearmRecurring(event, services.clock().instant());
      count++;
    }
    return count;
  }

  /** Forces the next tick to poll the emulator (tests). */
  void pollNow() {
    lastPoll = Instant.EPOCH;
  }

  /** Delivers everything due now on worker threads; returns how many deliveries started. */
  synchronized int tick() {
    Instant now = services.clock().instant();
    if (lastSweep != null && !now.isBefore(lastSweep.plus(SWEEP_EVERY))) {
      sweep();
    }
    int fired = scheduler.fireDue(now, d -> submit(Map.of(d.resume() ? WorkflowFunctionHandler.RESUME_RUN_ID
        : WorkflowFunctionHandler.SCHEDULED_RUN_ID, d.scheduledRunId())));
    if (pollEmulator && Duration.between(lastPoll, Instant.now()).toMillis() >= EMULATOR_POLL_MS) {
      // the emulator stores schedules but never fires them: fire the due ones and delete them, as
      // ActionAfterCompletion=DELETE does after AWS fires a one-time schedule
      lastPoll = Instant.now();
      for (var d : services.scheduler().due(now)) {
        services.scheduler().delivered(d.scheduledRunId());
        submit(Map.of(WorkflowFunctionHandler.SCHEDULED_RUN_ID, d.scheduledRunId()));
        fired++;
      }
    }
    fired += scheduler.fireRecurring(now, (event, at) -> submit(Map.of(WorkflowFunctionHandler.RECURRING_EVENT_ID, event.id(),
        WorkflowFunctionHandler.SCHEDULED_TIME, at.toString())));
    for (WorkflowDefinition w : recurring) {
      Instant next = nextFiring.get(w.name());
      // after a jump of the clock (tests), each missed firing is delivered, up to a bound
      for (int i = 0; next != null && !next.isAfter(now) && i < MAX_CATCH_UP; i++) {
        Instant at = next;
        submit(Map.of(WorkflowFunctionHandler.RECURRING_WORKFLOW, w.name(), WorkflowFunctionHandler.SCHEDULED_TIME, at.toString()));
        fired++;
        next = following(w, at).orElse(null);
      }
      if (next == null) {
        nextFiring.remove(w.name());
      } else {
        nextFiring.put(w.name(), next);
      }
    }
    return fired;
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      StructuredLog.write("error", "local scheduler tick failed: " + e, Map.of());
    }
  }

  private void submit(Map<String, String> event) {
    inFlight.incrementAndGet();
    workers.submit(() -> {
      try {
        send(event);
      } finally {
        inFlight.decrementAndGet();
      }
    });
  }

  /** Invokes the handler with the event EventBridge Scheduler would send. */
  private void send(Map<String, String> event) {
    try {
      handler.handleRequest(new ByteArrayInputStream(Json.MAPPER.writeValueAsBytes(event)), new ByteArrayOutputStream(), null);
    } catch (IOException | RuntimeException e) {
      StructuredLog.write("error", "delivery failed: " + e, event);
    }
  }

  /** Waits until the deliveries under way have finished (tests use it to observe their effects). */
  void drain() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(2);
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
