package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.Scheduling;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import dev.backendworkflows.testutils.RecordingServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A run with every kind of effect — create_thing, send_email, api_call to a real local server,
 * schedule_workflow, schedule_on_list — is killed at every point (before and after each call of
 * every port: each effect and each journal write) and then recovered only by what recovers runs in
 * production: the sweep and deliveries. Whatever the point, every thing, schedule and batch exists
 * once, the server saw one Idempotency-Key for its step, the email went out at most once, and the
 * end state equals an uncrashed run's. Each store's test extends this.
 */
public abstract class CrashRecoveryContract {
  static final String STEPS = """
      parameters:
        email: { type: text, required: true }
        url: { type: text, required: true }
      steps:
        - id: user
          action: create_thing
          type: user
          fields: { email: "{% $params.email %}", name: Ada }
        - id: found
          action: search_things
          type: user
          constraints: [{ field: email, op: "=", value: "{% $params.email %}" }]
        - id: mail
          action: send_email
          to: "{% $params.email %}"
          subject: Welcome
          text: "Hi {% $steps.user.name %}"
        - id: charge
          action: api_call
          url: "{% $params.url %}"
          method: POST
          body: { user: "{% $steps.user._id %}" }
        - id: later
          action: schedule_workflow
          workflow: write-note
          after: P1D
          params: { text: "{% 'later ' & $steps.user._id %}" }
        - id: fan
          action: schedule_on_list
          workflow: write-note
          list: ["a", "b", "c"]
          item_param: text
          batch_size: 2
        - action: return
          data: { user: "{% $steps.user._id %}", status: "{% $steps.charge.status %}", found: "{% $steps.found.count %}" }
      """;
  static final Workflows WORKFLOWS = Fixtures.workflows(
      "onboard-scheduled.yaml", "name: onboard-scheduled\ntrigger: { schedule: {} }\n" + STEPS,
      "onboard-api.yaml", "name: onboard-api\ntrigger: { api: {} }\n" + STEPS,
      "write-note.yaml", Fixtures.WRITE_NOTE);

  private final RecordingServer server = new RecordingServer();

  /** The stores under test, made for the stack's clock; each call gives stores that share nothing with earlier ones. */
  protected abstract Function<MutableClock, Fixtures.Stores> stores();

  @AfterEach
  void stopServer() {
    server.close();
  }

  private Fixtures.Stack stack() {
    return new Fixtures.Stack(WORKFLOWS, MutableClock.at("2026-03-01T09:00:00Z"), stores());
  }

  /** How a run is started and continued: as a scheduled run, or as an API call with an Idempotency-Key. */
  private interface Trigger {
    /** Readies the run (nothing is killed here); returns what {@link #start} needs. */
    default String prepare(Fixtures.Stack stack, String email) {
      return email;
    }

    /** Starts the run (the faults may kill it part-way); returns its id. */
    String start(Fixtures.Stack stack, String prepared);

    /** True once the run has ended and everything about it is recorded. */
    boolean settled(Fixtures.Stack stack, String runId);
  }

  private final class Scheduled implements Trigger {
    public String prepare(Fixtures.Stack stack, String email) {
      return new Scheduling(stack.services, stack.engine.workflows()).schedule("onboard-scheduled",
          Map.of("email", email, "url", server.url("/charge")), stack.clock.instant(), "test", null).id();
    }

    public String start(Fixtures.Stack stack, String id) {
      try {
        stack.fireDue();
      } catch (Faults.Crash killed) {
        // the invocation died here
      }
      return id;
    }

    public boolean settled(Fixtures.Stack stack, String runId) {
      return stack.schedules.get(runId).map(ScheduledRun::ended).orElse(false);
    }
  }

  private final class Api implements Trigger {
    public String start(Fixtures.Stack stack, String email) {
      String runId = null;
      var request = Fixtures.post("/wf/onboard-api", stack.userKey, Json.write(Map.of("email", email, "url", server.url("/charge"))));
      var headers = new java.util.LinkedHashMap<>(request.headers());
      headers.put("idempotency-key", "signup-" + email);
      var keyed = new dev.backendworkflows.http.ApiRequest(request.method(), request.path(), headers, Map.of(), request.body(), "r");
      try {
        ApiResponse r = stack.api.handle(keyed);
        runId = r.headers().get("x-run-id");
      } catch (Faults.Crash killed) {
        // the invocation died here; the caller got no answer
      }
      if (runId == null) { // the caller never learnt the id: find it as an operator would, in the run log
        runId = stack.runs.query(new dev.backendworkflows.runlog.RunQuery("onboard-api", null, 10, null)).runs().stream()
            .findFirst().map(RunRecord::runId).orElse(null);
      }
      if (runId == null) { // not even the run record was written: the caller's retry starts it
        ApiResponse retried = stack.api.handle(keyed);
        runId = retried.headers().get("x-run-id");
      }
      return runId;
    }

    public boolean settled(Fixtures.Stack stack, String id) {
      return stack.runs.get(id).map(r -> r.status() != RunStatus.RUNNING).orElse(false);
    }
  }

  /** What an uncrashed run leaves behind, ids aside. */
  private record EndState(RunStatus status, Map<String, Object> response, int users, int laterRuns, int batches, int batchItems,
      int notes, List<String> stepStatuses) {}

  /** What production does after a crash: the sweep, every minute, once leases have passed. */
  private static void recover(Fixtures.Stack s) {
    for (int round = 0; round < 4; round++) {
      s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1)); // past any lease and backoff
      s.deliveries.sweep();
      s.fireDue();
    }
  }

  private EndState endState(Fixtures.Stack stack, String runId, String email) {
    RunRecord run = stack.runs.get(runId).orElseThrow();
    List<Thing> users = stack.things.search(new ThingQuery("user", List.of(new Constraint("email", Constraint.Op.EQ, email)),
        null, false, 100, null)).things();
    List<ScheduledRun> later = stack.schedules.list(ScheduleStatus.PENDING, "write-note", 100, null).runs().stream()
        .filter(r -> r.kind() == ScheduledRun.Kind.RUN).toList();
    String jobId = (String) ((Map<?, ?>) run.steps().stream().filter(st -> "fan".equals(st.id())).findFirst().orElseThrow()
        .output()).get("id");
    BatchJob job = stack.schedules.getBatch(jobId).orElseThrow();
    stack.clock.advance(Duration.ofDays(2)); // the batch chunks and the follow-up run
    stack.fireDue();
    recover(stack);
    List<Thing> notes = stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things();
    @SuppressWarnings("unchecked")
    Map<String, Object> response = (Map<String, Object>) Json.MAPPER.convertValue(
        stack.runs.load(runId).orElseThrow().journal().response(), Map.class);
    response.remove("user");
    return new EndState(run.status(), response, users.size(), later.size(), stack.schedules.chain(jobId).isEmpty() ? 0 : 1,
        job.total(), notes.size(), run.steps().stream().map(s -> s.action() + ":" + (s.status().equals(StepRecord.UNCERTAIN)
            ? StepRecord.SUCCEEDED : s.status())).toList());
  }

  private void assertEveryPoint(Trigger trigger) {
    Fixtures.Stack clean = stack();
    String prepared = trigger.prepare(clean, "ada@example.com");
    clean.faults.arm();
    String cleanId = trigger.start(clean, prepared);
    List<String> calls = clean.faults.calls();
    clean.faults.disarm();
    assertThat(trigger.settled(clean, cleanId)).isTrue();
    assertThat(calls).contains("RunLog.write", "ThingStore.write", "Mailer.send", "OutboundHttp.send", "ScheduleStore.create",
        "ScheduleStore.createBatch", "Dispatcher.dispatchNow", "Scheduler.deliverAt");
    EndState expected = endState(clean, cleanId, "ada@example.com");
    assertThat(expected.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(expected.notes()).isEqualTo(4);
    int emailsBefore = 1;
    assertThat(clean.outbox.sent()).hasSize(emailsBefore);
    List<String> failures = new ArrayList<>();
    for (int point = 0; point < 2 * calls.size(); point++) {
      String where = Faults.describe(point, calls);
      int requestsBefore = server.seen().size();
      Fixtures.Stack s = stack();
      String email = "p" + point + "@example.com";
      String ready = trigger.prepare(s, email);
      s.faults.crashAt(point);
      String runId = trigger.start(s, ready);
      s.faults.disarm();
      recover(s);
      try {
        assertThat(runId).as("run id").isNotNull();
        assertThat(trigger.settled(s, runId)).as("settled").isTrue();
        assertThat(endState(s, runId, email)).as("end state").isEqualTo(expected);
        List<RecordingServer.Seen> calls2 = server.seen().subList(requestsBefore, server.seen().size());
        assertThat(calls2).as("requests to the API").isNotEmpty();
        assertThat(calls2.stream().map(RecordingServer.Seen::idempotencyKey).distinct()).as("Idempotency-Keys").hasSize(1)
            .doesNotContainNull();
        boolean crashedBeforeSend = where.contains("Mailer.send") && where.startsWith("before")
            || where.startsWith("after RunLog.write") && point / 2 + 1 < calls.size() && calls.get(point / 2 + 1).equals("Mailer.send");
        assertThat(s.outbox.sent()).as("emails").hasSize(crashedBeforeSend ? 0 : 1);
      } catch (AssertionError e) {
        failures.add(where + ": " + e.getMessage().lines().findFirst().orElse("") + " " + e.getMessage().lines().skip(1).limit(4).toList());
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " of " + 2 * calls.size() + " crash points did not recover:\n" + String.join("\n", failures));
    }
  }

  @Test
  void aScheduledRunKilledAtAnyPointRecoversWithEveryEffectOnce() {
    assertEveryPoint(new Scheduled());
  }

  @Test
  void anApiRunKilledAtAnyPointRecoversWithEveryEffectOnce() {
    assertEveryPoint(new Api());
  }
}
