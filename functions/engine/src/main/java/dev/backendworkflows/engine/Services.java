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
