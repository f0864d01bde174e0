package dev.backendworkflows.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import dev.backendworkflows.schedule.Deliveries;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.Scheduling;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Fencing, leases, the attempt limit, retries, dispatch faults and the end write: the rules of durable runs, one fault at a time. */
class DurableRunsTest {
  private static final String WELCOME = """
      name: welcome
      trigger: { schedule: {} }
      max_attempts: 3
      parameters:
        email: { type: text, required: true }
      steps:
        - { id: a, action: create_thing, type: note, fields: { text: a } }
        - { id: mail, action: send_email, to: "{% $params.email %}", subject: Hi, text: hello }
        - { id: b, action: create_thing, type: note, fields: { text: b } }
        - { action: return, data: { a: "{% $steps.a._id %}", mailed: "{% $exists($steps.mail.message_id) %}" } }
      """;
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("welcome.yaml", WELCOME,
      "remind.yaml", Fixtures.REMIND, "write-note.yaml", Fixtures.WRITE_NOTE,
      "api-welcome.yaml", WELCOME.replace("name: welcome", "name: api-welcome").replace("schedule: {}", "api: {}")));

  private List<String> notes() {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().stream()
        .map(t -> (String) t.fields().get("text")).sorted().toList();
  }

  private String scheduleWelcome() {
    String id = new Scheduling(stack.services, stack.engine.workflows()).schedule("welcome", Map.of("email", "ada@example.com"),
        stack.clock.instant().plusSeconds(1), "test", null).id();
    stack.scheduler.cancel(id); // delivered by hand below
    stack.clock.advance(Duration.ofSeconds(1));
    return id;
  }

  /** Past any lease (an invocation without deadline) and the first backoff. */
  private void afterLeases() {
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
  }

  @Test
  void aZombieAttemptThatWakesAfterATakeoverChangesNothing() throws Exception {
    String id = scheduleWelcome();
    stack.faults.holdBefore(call -> call.equals("Mailer.send")); // attempt 1 stalls with the email's intent written
    CompletableFuture<Deliveries.Result> zombie = CompletableFuture.supplyAsync(() -> stack.deliveries.deliver(id));
    stack.faults.awaitHeld();
    afterLeases();
    assertThat(stack.deliveries.sweep().resumed()).isEqualTo(1);
    stack.fireDue(); // attempt 2 takes over: note a is restored, the email is uncertain (skipped), note b is created
    RunRecord taken = stack.runs.get(id).orElseThrow();
    assertThat(taken.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(taken.attempt()).isEqualTo(2);
    assertThat(taken.steps()).extracting(StepRecord::status).containsExactly("succeeded", "uncertain", "succeeded", "succeeded");
    stack.faults.release(); // the zombie wakes: it sends its email, then its next write is refused
    Deliveries.Result late = zombie.get(10, TimeUnit.SECONDS);
    assertThat(late.ran()).isFalse();
    assertThat(late.reason()).contains("taken over");
    assertThat(stack.runs.get(id)).contains(taken);
    assertThat(notes()).containsExactly("a", "b");
    assertThat(stack.outbox.sent()).hasSize(1); // at most once: the zombie's, never a second
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
  }

  @Test
  void aRunWhoseAttemptsKeepDyingEndsFailedAfterMaxAttemptsWithBackoffAndCanBeRetried() {
    String id = scheduleWelcome();
    stack.faults.crashBefore(call -> call.equals("ThingStore.write")); // every attempt dies at its first note
    assertThatThrownBy(() -> stack.deliveries.deliver(id)).isInstanceOf(Faults.Crash.class);
    afterLeases();
    stack.deliveries.sweep();
    assertThatThrownBy(stack::fireDue).isInstanceOf(Faults.Crash.class); // attempt 2 (no backoff after the first)
    assertThat(stack.runs.get(id).orElseThrow().attempt()).isEqualTo(2);
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusSeconds(30));
    assertThat(stack.deliveries.sweep().resumed()).as("attempt 2's lease passed, its backoff (1 min) not yet").isZero();
    stack.clock.advance(Duration.ofSeconds(45));
    assertThat(stack.deliveries.sweep().resumed()).isEqualTo(1);
    assertThatThrownBy(stack::fireDue).isInstanceOf(Faults.Crash.class); // attempt 3
    stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(3));
    stack.deliveries.sweep();
    stack.fireDue(); // no attempt 4: the run ends
    RunRecord failed = stack.runs.get(id).orElseThrow();
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.error().code()).isEqualTo(WorkflowEngine.ATTEMPTS_EXHAUSTED);
    assertThat(failed.error().message()).contains("3 attempt(s)").contains("POST /runs/" + id + "/retry");
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(stack.outbox.sent()).isEmpty();
    JsonNode listed = Json.tree(stack.api.handle(Fixtures.get("/runs", stack.adminKey, Map.of("status", "failed"))).body());
    assertThat(listed.path("runs").findValuesAsText("run_id")).contains(id);
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0)); // nothing replays it forever

    stack.faults.disarm();
    var retried = stack.api.handle(Fixtures.post("/runs/" + id + "/retry", stack.adminKey, ""));
    assertThat(retried.status()).isEqualTo(202);
    stack.fireDue();
    RunRecord done = stack.runs.get(id).orElseThrow();
    assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(done.attempt()).isEqualTo(4);
    assertThat(notes()).containsExactly("a", "b");
    assertThat(done.steps()).extracting(StepRecord::status).containsExactly("succeeded", "succeeded", "succeeded", "succeeded");
    assertThat(stack.outbox.sent()).hasSize(1);
    assertThat(stack.schedules.get(id).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    assertThat(stack.api.handle(Fixtures.post("/runs/" + id + "/retry", stack.adminKey, "")).status()).isEqualTo(409);
  }

  @Test
  void aFailedApiRunRetriedByApiContinuesFromItsJournal() {
    stack.faults.crashBefore(call -> call.equals("ThingStore.write") && notes().size() == 1); // dies at note b, every time
    assertThatThrownBy(() -> stack.engine.run(new RunRequest("api-welcome", Map.of("email", "ada@example.com"), "api", "t")
        .as("run-1", Invocation.untimed()))).isInstanceOf(Faults.Crash.class);
    for (int i = 0; i < 4; i++) {
      stack.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(10));
      stack.deliveries.sweep();
      try {
        stack.fireDue();
      } catch (Faults.Crash again) {
        // the resumed attempt died too
      }
    }
    assertThat(stack.runs.get("run-1").orElseThrow().error().code()).isEqualTo(WorkflowEngine.ATTEMPTS_EXHAUSTED);
    stack.faults.disarm();
    assertThat(stack.api.handle(Fixtures.post("/runs/run-1/retry", stack.adminKey, "")).status()).isEqualTo(202);
    stack.fireDue();
    assertThat(stack.runs.get("run-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(notes()).containsExactly("a", "b");
  }

  @Test
  void aRetryOfTheSameInvocationContinuesAtOnceAndAnyOtherWaitsForTheLease() {
    String id = scheduleWelcome();
    Invocation request = new Invocation("aws-request-1", stack.clock.instant().plusSeconds(30));
    // a passing DynamoDB error after note a was created: the email's intent cannot be written
    stack.faults.failBefore(call -> call.equals("RunLog.write") && notes().size() == 1, 1);
    assertThatThrownBy(() -> stack.deliveries.deliver(id, request)).isInstanceOf(AttemptInterruptedException.class);
    stack.faults.disarm();
    Deliveries.Result other = stack.deliveries.deliver(id, new Invocation("aws-request-2", stack.clock.instant().plusSeconds(30)));
    assertThat(other.ran()).isFalse();
    assertThat(other.reason()).contains("live attempt");
    Deliveries.Result retry = stack.deliveries.deliver(id, request); // Lambda's own retry of the failed invocation
    assertThat(retry.ran()).isTrue();
    assertThat(stack.runs.get(id).orElseThrow().attempt()).as("the same attempt, going on").isEqualTo(1);
    assertThat(notes()).containsExactly("a", "b");
    assertThat(stack.outbox.sent()).hasSize(1);
  }

  @Test
  void aLeaseLastsUntilTheInvocationsDeadlinePlusAMargin() {
    String id = scheduleWelcome();
    Instant deadline = stack.clock.instant().plusSeconds(30);
    stack.faults.crashBefore(call -> call.equals("Mailer.send"));
    assertThatThrownBy(() -> stack.deliveries.deliver(id, new Invocation("aws-request-1", deadline))).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    Execution held = stack.runs.load(id).orElseThrow();
    assertThat(held.lease()).isEqualTo(new Lease("aws-request-1", deadline.plus(LeasePolicy.DEFAULT.margin())));
    stack.clock.advance(Duration.ofSeconds(39));
    assertThat(stack.deliveries.sweep().resumed()).isZero();
    stack.clock.advance(Duration.ofSeconds(2)); // a 30 s function that died is resumed by the next sweep, within about a minute
    assertThat(stack.deliveries.sweep().resumed()).isEqualTo(1);
    stack.fireDue();
    assertThat(stack.runs.get(id).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void aDispatchThatTimesOutAfterLambdaAcceptedLeavesTheRunPendingNotFailedAndItRunsOnce() {
    stack.faults.failAfter(call -> call.equals("Dispatcher.dispatchNow"), 1); // the invoke went through; its answer timed out
    RunOutcome out = stack.engine.run(new RunRequest("remind", Map.of("text", "now", "after", "PT0S"), "api", "t"));
    assertThat(out.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    String scheduled = (String) ((Map<?, ?>) out.response()).get("id");
    assertThat(stack.schedules.get(scheduled).orElseThrow().status()).isEqualTo(ScheduleStatus.PENDING);
    stack.fireDue();
    assertThat(stack.schedules.get(scheduled).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    stack.clock.advance(Duration.ofMinutes(10));
    assertThat(stack.deliveries.sweep()).isEqualTo(new Deliveries.Sweep(0, 0, 0, 0));
    assertThat(notes()).containsExactly("now");
  }

  @Test
  void aDispatchThatFailsOutrightIsDeliveredByTheSweep() {
    stack.faults.failBefore(call -> call.equals("Dispatcher.dispatchNow"), 1);
    RunOutcome out = stack.engine.run(new RunRequest("remind", Map.of("text", "later", "after", "PT0S"), "api", "t"));
    assertThat(out.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stack.fireDue()).isZero();
    stack.clock.advance(Deliveries.LOST_AFTER.plusMinutes(1));
    assertThat(stack.deliveries.sweep().redelivered()).isEqualTo(1);
    stack.fireDue();
    assertThat(notes()).containsExactly("later");
  }

  @Test
  void theEndWriteIsRetriedAndNeverEscapesAfterEffectsRan() {
    String id = scheduleWelcome();
    stack.faults.failBefore(call -> call.equals("RunLog.write") && notes().size() == 2, 2); // the end write fails twice
    Deliveries.Result r = stack.deliveries.deliver(id);
    assertThat(r.ran()).isTrue();
    assertThat(stack.runs.get(id).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);

    String second = scheduleWelcome();
    stack.faults.failBefore(call -> call.equals("RunLog.write") && notes().size() == 4, 3); // ...and three times
    assertThatThrownBy(() -> stack.deliveries.deliver(second)).isInstanceOf(AttemptInterruptedException.class);
    stack.faults.disarm();
    assertThat(stack.runs.get(second).orElseThrow().status()).as("not lost: still running, for a later attempt")
        .isEqualTo(RunStatus.RUNNING);
    assertThat(stack.schedules.get(second).orElseThrow().status()).isEqualTo(ScheduleStatus.RUNNING);
    afterLeases();
    stack.deliveries.sweep();
    stack.fireDue(); // a later attempt replays the last step (it finds note b) and writes the end
    assertThat(stack.runs.get(second).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stack.schedules.get(second).orElseThrow().status()).isEqualTo(ScheduleStatus.SUCCEEDED);
    assertThat(notes()).containsExactly("a", "a", "b", "b");
    assertThat(stack.outbox.sent()).hasSize(2);
  }

  @Test
  void retryingARunRetriesTheCustomEventWhoseAttemptsRanOut() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("parent.yaml", """
        name: parent
        trigger: { api: {} }
        steps:
          - { id: ev, action: trigger_event, event: child, params: {} }
          - { action: return, data: "{% $steps.ev %}" }
        """, "child.yaml", """
        name: child
        trigger: { custom_event: {} }
        max_attempts: 2
        steps:
          - { id: n, action: create_thing, type: note, fields: { text: child } }
          - { action: return, data: "{% $steps.n.text %}" }
        """));
    s.faults.crashBefore(call -> call.equals("ThingStore.write"));
    for (int round = 0; round < 6; round++) {
      try {
        if (round == 0) {
          s.engine.run(new RunRequest("parent", Map.of(), "api", "t").as("p-1", Invocation.untimed()));
        }
        s.fireDue();
      } catch (Faults.Crash dead) {
        // every attempt dies in the event
      }
      s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(5));
      s.deliveries.sweep();
    }
    RunRecord failed = s.runs.get("p-1").orElseThrow();
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED);
    assertThat(failed.error().code()).isEqualTo(WorkflowEngine.ATTEMPTS_EXHAUSTED);
    s.faults.disarm();
    assertThat(s.api.handle(Fixtures.post("/runs/p-1/retry", s.adminKey, "")).status()).isEqualTo(202);
    s.fireDue();
    RunRecord done = s.runs.get("p-1").orElseThrow();
    assertThat(done.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(done.response()).isEqualTo("child");
    assertThat(s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things()).hasSize(1);
  }

  @Test
  void aRetriedEmailIsSentWhenItsFailureShowsNothingWentOutAndSkippedWhenItMightHave() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("mail.yaml", """
        name: mail
        trigger: { api: {} }
        parameters:
          user: { type: text, required: true }
        steps:
          - { id: u, action: get_thing, type: user, thing_id: "{% $params.user %}" }
          - { id: m, action: send_email, to: "{% $steps.u.email %}", subject: Hi, text: hello }
        """));
    java.time.Instant at = s.clock.instant();
    s.things.create(new dev.backendworkflows.data.Thing("user", "u1", Map.of("email", "ada@example.com"), at, at));
    s.faults.failBefore(call -> call.equals("Mailer.send"), 1,
        where -> new dev.backendworkflows.exceptions.ActionException("email_rejected", "SES refused it (sending paused)"));
    RunOutcome refused = s.engine.run(new RunRequest("mail", Map.of("user", "u1"), "api", "t").as("m-1", Invocation.untimed()));
    assertThat(refused.record().error().code()).isEqualTo("email_rejected");
    s.api.handle(Fixtures.post("/runs/m-1/retry", s.adminKey, ""));
    s.fireDue(); // the refusal said nothing went out: the retry sends it
    assertThat(s.runs.get("m-1").orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(s.outbox.sent()).hasSize(1);

    s.faults.failBefore(call -> call.equals("Mailer.send"), 1); // handing it over failed: it may have gone out
    RunOutcome unsure = s.engine.run(new RunRequest("mail", Map.of("user", "u1"), "api", "t").as("m-2", Invocation.untimed()));
    assertThat(unsure.record().error().code()).isEqualTo("email_send_failed");
    s.api.handle(Fixtures.post("/runs/m-2/retry", s.adminKey, ""));
    s.fireDue();
    RunRecord skipped = s.runs.get("m-2").orElseThrow();
    assertThat(skipped.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(skipped.steps()).extracting(StepRecord::status).containsExactly("succeeded", "uncertain");
    assertThat(s.outbox.sent()).hasSize(1); // at most once: not sent blind
  }

  @Test
  void writesPerRunAreTheStepsMarkedBeforeTheyRunPlusTwo() {
    stack.faults.arm();
    stack.engine.run(new RunRequest("api-welcome", Map.of("email", "ada@example.com"), "api", "t"));
    // the first note needs no mark (its receipt finds it on a replay); the email is marked, and so is the note after it,
    // whose mark records how the email ended
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("RunLog.write")).count()).isEqualTo(2 + 2);
    assertThat(stack.faults.calls().stream().filter(c -> c.equals("ThingStore.write")).count()).isEqualTo(2);
  }

  /** Runs {@code workflow} as run {@code runId} on {@code s}, killed before the first call {@code call} accepts; faults off after. */
  private static void crashRun(Fixtures.Stack s, java.util.function.Predicate<String> call, String workflow, Map<String, Object> params,
      String runId) {
    s.faults.crashBefore(call);
    assertThatThrownBy(() -> s.engine.run(new RunRequest(workflow, params, "api", "t").as(runId, Invocation.untimed())))
        .isInstanceOf(Faults.Crash.class);
    s.faults.disarm();
  }

  /** A fresh run of steps that only read and compute has nothing to continue: its record is written once, at its end. */
  @Test
  void aReadOnlyApiRunWritesItsRecordOnceAtItsEnd() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("look.yaml", """
        name: look
        trigger: { api: {} }
        parameters:
          text: { type: text, required: true }
        steps:
          - { id: found, action: search_things, type: note }
          - { action: return, data: { text: "{% $params.text %}", notes: "{% $steps.found.count %}" } }
        """));
    s.faults.arm();
    RunOutcome done = s.engine.run(new RunRequest("look", Map.of("text", "hi"), "api", "t"));
    assertThat(s.faults.calls().stream().filter(c -> c.equals("RunLog.write")).count()).isEqualTo(1);
    assertThat(s.runs.get(done.record().runId()).orElseThrow().status()).isEqualTo(RunStatus.SUCCEEDED);
    s.faults.disarm();
    s.faults.arm();
    s.engine.run(new RunRequest("look", Map.of("text", "hi"), "api", "t").as("given-id", Invocation.untimed()));
    assertThat(s.faults.calls().stream().filter(c -> c.equals("RunLog.write")).count()).as("a run with a given id (an idempotency "
        + "key's, a schedule's) claims it first").isEqualTo(2);
  }

  /**
   * A change computed from an earlier read is marked before it runs: a replay must not read the
   * thing afresh (seeing the change already made) and add again. Killed after the change, before the
   * run's end is written, the run is continued and the count is 1, not 2.
   */
  @Test
  void aChangeComputedFromAnEarlierReadIsMarkedSoItsReplayDoesNotApplyItTwice() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("count-up.yaml", """
        name: count-up
        trigger: { api: {} }
        parameters:
          user: { type: text, required: true }
        steps:
          - { id: u, action: get_thing, type: user, thing_id: "{% $params.user %}" }
          - { action: update_thing, type: user, thing_id: "{% $params.user %}", fields: { age: "{% $steps.u.age + 1 %}" } }
          - { action: return, data: { done: true } }
        """));
    Instant at = s.clock.instant();
    s.things.create(new dev.backendworkflows.data.Thing("user", "u1", Map.of("age", 0), at, at));
    crashRun(s, call -> call.equals("RunLog.write") && ((Number) s.things.get("user", "u1").orElseThrow().fields().get("age"))
        .intValue() == 1, "count-up", Map.of("user", "u1"), "c-1");
    s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    assertThat(s.engine.resume("c-1", new Invocation("later", null)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(((Number) s.things.get("user", "u1").orElseThrow().fields().get("age")).intValue()).isEqualTo(1);
  }

  /**
   * A create after a read is marked, though it reads only its parameters: the mark keeps what the
   * read found, so a replay decides later steps on that — not on a fresh read that sees the create.
   */
  @Test
  void aCreateAfterAReadIsMarkedSoTheReplayKeepsWhatTheReadFound() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("first-note.yaml", """
        name: first-note
        trigger: { api: {} }
        parameters:
          text: { type: text, required: true }
        steps:
          - { id: before, action: count_things, type: note }
          - { id: made, action: create_thing, type: note, fields: { text: "{% $params.text %}" } }
          - { action: send_email, when: "{% $steps.before.count = 0 %}", to: ops@example.com, subject: First note, text: hi }
        """));
    crashRun(s, call -> call.equals("RunLog.write")
        && s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things().size() == 1, "first-note", Map.of("text", "n"), "f-1");
    s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    assertThat(s.engine.resume("f-1", new Invocation("later", null)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things()).hasSize(1);
    assertThat(s.outbox.sent()).as("the count before the note was 0: the email goes").hasSize(1);
  }

  /**
   * A create after a marked step is marked too: its mark records how that step ended, so a replay
   * does not run it again into a world that changed (here: the thing it changed, deleted since).
   */
  @Test
  void aCreateAfterAMarkedStepRecordsHowThatStepEnded() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("tag-and-note.yaml", """
        name: tag-and-note
        trigger: { api: {} }
        parameters:
          user: { type: text, required: true }
        steps:
          - { id: tag, action: update_thing, type: user, thing_id: "{% $params.user %}", fields: { name: tagged } }
          - { id: made, action: create_thing, type: note, fields: { text: "{% $params.user %}" } }
          - { action: return, data: { note: "{% $steps.made._id %}" } }
        """));
    Instant at = s.clock.instant();
    s.things.create(new dev.backendworkflows.data.Thing("user", "u1", Map.of("name", "ada"), at, at));
    crashRun(s, call -> call.equals("RunLog.write")
        && s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things().size() == 1, "tag-and-note", Map.of("user", "u1"), "t-1");
    s.things.delete("user", "u1");
    s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    RunOutcome done = s.engine.resume("t-1", new Invocation("later", null));
    assertThat(done.record().status()).as("the change was recorded as made: not run again").isEqualTo(RunStatus.SUCCEEDED);
    assertThat(s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things()).hasSize(1);
  }

  /** Steps that read only their parameters need no mark: the run writes its start and its end, and the notes their own items. */
  @Test
  void createsFromParametersAloneAreNotMarkedAndAReplayFindsThemByTheirReceipts() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("two-notes.yaml", """
        name: two-notes
        trigger: { api: {} }
        parameters:
          text: { type: text, required: true }
        steps:
          - { id: a, action: create_thing, type: note, fields: { text: "{% $params.text & ' a' %}" } }
          - { id: b, action: create_thing, type: note, fields: { text: "{% $params.text & ' b' %}" } }
          - { action: return, data: { a: "{% $steps.a._id %}" } }
        """));
    crashRun(s, call -> call.equals("RunLog.write")
        && s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things().size() == 2, "two-notes", Map.of("text", "n"), "n-1");
    assertThat(s.faults.calls().stream().filter(c -> c.equals("RunLog.write")).count()).as("only the start was written").isEqualTo(2);
    s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
    RunOutcome done = s.engine.resume("n-1", new Invocation("later", null));
    assertThat(done.record().status()).isEqualTo(RunStatus.SUCCEEDED);
    List<dev.backendworkflows.data.Thing> notes = s.things.search(new ThingQuery("note", List.of(), null, false, 10, null)).things();
    assertThat(notes).extracting(t -> t.fields().get("text")).containsExactlyInAnyOrder("n a", "n b");
    assertThat(((Map<?, ?>) done.response()).get("a")).isIn(notes.stream().map(dev.backendworkflows.data.Thing::id).toList());
  }

  @Test
  void timeAndIdsOfAContinuedRunAreThoseOfItsFirstAttempt() {
    String id = scheduleWelcome();
    Instant started = stack.clock.instant();
    stack.faults.crashBefore(call -> call.equals("Mailer.send"));
    assertThatThrownBy(() -> stack.deliveries.deliver(id)).isInstanceOf(Faults.Crash.class);
    stack.faults.disarm();
    String noteA = (String) ((Map<?, ?>) stack.runs.load(id).orElseThrow().journal().results().get("a")).get("_id");
    afterLeases();
    stack.deliveries.sweep();
    stack.fireDue();
    RunRecord done = stack.runs.get(id).orElseThrow();
    assertThat(done.startedAt()).isEqualTo(started);
    assertThat(Json.write(stack.runs.load(id).orElseThrow().journal().response())).contains(noteA);
    assertThat(stack.things.get("note", noteA)).isPresent();
  }
}
