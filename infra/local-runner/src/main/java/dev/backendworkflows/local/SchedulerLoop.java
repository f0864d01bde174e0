package dev.backendworkflows.local;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.schedule.SchedulePage;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.schedule.local.LocalScheduler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Fires the local scheduler: every tick (100 ms by default, so a run fires within a second of its
 * due time) it hands each due delivery to the Lambda handler as the event EventBridge Scheduler
 * would send. On start it re-arms every pending run from the schedule store — runs that fell due
 * while the runner was down fire at once — and marks runs a stop interrupted as failed, so they
 * can be retried ({@code POST /schedules/{id}/retry}) rather than silently run twice or never.
 */
final class SchedulerLoop implements AutoCloseable {
  private final Services services;
  private final LocalScheduler scheduler;
  private final RequestStreamHandler handler;
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "local-scheduler");
    t.setDaemon(true);
    return t;
  });
  private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();

  SchedulerLoop(Services services, LocalScheduler scheduler, RequestStreamHandler handler) {
    this.services = services;
    this.scheduler = scheduler;
    this.handler = handler;
  }

  /** Re-arms from the store and starts ticking; returns how many pending runs were re-armed. */
  int start(Duration tick) {
    int rearmed = rearm();
    ticker.scheduleWithFixedDelay(this::tickQuietly, 0, tick.toMillis(), TimeUnit.MILLISECONDS);
    return rearmed;
  }

  int rearm() {
    int count = 0;
    for (ScheduleStatus status : new ScheduleStatus[] {ScheduleStatus.RUNNING, ScheduleStatus.PENDING}) {
      String cursor = null;
      do {
        SchedulePage page = services.schedules().list(status, null, 100, cursor);
        for (ScheduledRun run : page.runs()) {
          if (status == ScheduleStatus.RUNNING) {
            services.schedules().finish(run.id(), ScheduleStatus.FAILED, run.runId(), new ErrorInfo("interrupted",
                "the local runner stopped while this run was running; retry it with POST /schedules/" + run.id() + "/retry"),
                services.clock().instant(), services.expiry());
          } else {
            scheduler.deliverAt(run.id(), run.workflow(), run.dueAt());
            count++;
          }
        }
        cursor = page.cursor();
      } while (cursor != null);
    }
    return count;
  }

  /** Delivers everything due now on worker threads; returns how many deliveries started. */
  int tick() {
    return scheduler.fireDue(services.clock().instant(), d -> workers.submit(() -> deliver(d)));
  }

  private void tickQuietly() {
    try {
      tick();
    } catch (RuntimeException e) {
      StructuredLog.write("error", "local scheduler tick failed: " + e, Map.of());
    }
  }

  private void deliver(Scheduler.Delivery d) {
    try {
      byte[] event = Json.MAPPER.writeValueAsBytes(Map.of(WorkflowFunctionHandler.SCHEDULED_RUN_ID, d.scheduledRunId()));
      handler.handleRequest(new ByteArrayInputStream(event), new ByteArrayOutputStream(), null);
    } catch (IOException | RuntimeException e) {
      StructuredLog.write("error", "delivery failed: " + e, Map.of("scheduled_run_id", d.scheduledRunId()));
    }
  }

  /** Waits for deliveries under way (tests use it to observe their effects). */
  void drain() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (services.schedules().list(ScheduleStatus.RUNNING, null, 1, null).runs().size() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(5);
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
