package dev.backendworkflows.engine;

import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.mail.Mailer;
import dev.backendworkflows.outbound.OutboundHttp;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.schedule.Dispatcher;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.Scheduler;
import dev.backendworkflows.secrets.SecretStore;
import java.time.Clock;
import java.time.Duration;

/**
 * The ports a run uses, plus deployment settings: {@code stage} (e.g. test, live) is recorded on
 * every run; {@code mailFrom} is the default sender of {@code send_email}; {@code retention} is how
 * long run records and finished scheduled runs live before TTL removes them; {@code leases} is the
 * claim rule of executions and batch chunks.
 */
public record Services(ThingStore things, RunLog runs, ScheduleStore schedules, Scheduler scheduler,
    Dispatcher dispatcher, Mailer mailer, String mailFrom, OutboundHttp http, SecretStore secrets, Clock clock, String stage,
    Duration retention, IdempotencyStore idempotency, LeasePolicy leases) {

  /**
   * Services on the in-memory local adapters with no way out of the process: outbound calls are
   * answered 503 without being sent, email goes to an in-memory outbox, there are no secrets, and
   * the scheduler only holds what it is given. For dry runs (SnapStart priming) and benchmarks.
   */
  public static Services inMemory(Clock clock, String stage) {
    var scheduler = new dev.backendworkflows.schedule.local.LocalScheduler();
    OutboundHttp offline = request -> new OutboundHttp.Response(503, java.util.Map.of(), "not sent: in-memory services");
    return new Services(new dev.backendworkflows.data.local.MapThingStore(), new dev.backendworkflows.runlog.local.MapRunLog(clock),
        new dev.backendworkflows.schedule.local.MapScheduleStore(), scheduler, scheduler, new dev.backendworkflows.mail.local.LocalOutbox(clock),
        stage + "@example.com", offline, new dev.backendworkflows.secrets.local.EnvSecretStore(java.util.Map.of()), clock, stage,
        Duration.ofDays(1), new dev.backendworkflows.execution.local.MapIdempotencyStore(), LeasePolicy.DEFAULT);
  }

  /** Epoch second at which a record finished now may expire. */
  public long expiry() {
    return clock.instant().plus(retention).getEpochSecond();
  }

  /** These services with another lease rule (the local runner's knows its dead invocations). */
  public Services withLeases(LeasePolicy newLeases) {
    return new Services(things, runs, schedules, scheduler, dispatcher, mailer, mailFrom, http, secrets, clock, stage, retention,
        idempotency, newLeases);
  }
}
