package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Every kind of work a function does — an API call, a scheduled run, a batch chunk (over a list and
 * over a search), a recurring firing, a recurring event, a resumed run — runs here with every port
 * recording its calls, and touches nothing its workflow's {@link WorkflowAccess} (hence its role in
 * template.yaml) does not grant.
 */
class WorkflowAccessTest {
  /** Which grant a call of a port needs; run records and idempotency keys are every function's own. */
  private static final Map<String, Access> PORTS = Map.of("ThingStore", Access.THINGS, "ScheduleStore", Access.SCHEDULES,
      "Scheduler", Access.SCHEDULER, "Dispatcher", Access.SCHEDULER, "Mailer", Access.EMAIL, "ApiKeyStore", Access.API_KEYS);
  private static final Set<String> OWN = Set.of("RunLog", "IdempotencyStore", "OutboundHttp");

  private static final Workflows WORKFLOWS = Fixtures.workflows(
      "everything.yaml", """
          name: everything
          trigger: { api: {} }
          steps:
            - { id: note, action: create_thing, type: note, fields: { text: keep } }
            - { action: create_thing, type: note, fields: { text: other } }
            - { action: get_thing, type: note, thing_id: "{% $steps.note._id %}" }
            - { action: search_things, type: note }
            - { action: update_thing, type: note, thing_id: "{% $steps.note._id %}", fields: { text: keep } }
            - { id: later, action: schedule_workflow, workflow: write, after: PT1H, params: { text: later } }
            - { action: cancel_scheduled, scheduled_id: "{% $steps.later.id %}" }
            - { action: schedule_workflow, workflow: write, after: PT0S, params: { text: now } }
            - { action: set_recurring, workflow: write, type: note, thing_id: "{% $steps.note._id %}", frequency: daily, params: { text: daily } }
            - { action: schedule_on_list, workflow: write, list: "{% ['a', 'b', 'c'] %}", item_param: text, batch_size: 2 }
            - { action: schedule_on_list, workflow: touch, search: { type: note }, item_param: id, batch_size: 1 }
            - { action: trigger_event, event: notify, params: { to: "ada@example.com" } }
            - { action: schedule_workflow, workflow: hook, after: PT0S, params: { id: x } }
            - { action: schedule_on_list, workflow: hook, search: { type: note }, item_param: id, batch_size: 1 }
            - { action: schedule_workflow, workflow: daily, after: PT0S }
            - { action: return, data: ok }
          """,
      "hook.yaml", """
          name: hook
          trigger: { api: {} }
          parameters:
            id: { type: text }
          steps:
            - { action: return, data: "{% $params.id %}" }
          """,
      "notify.yaml", """
          name: notify
          trigger: { custom_event: {} }
          senders: [news@example.com]
          parameters:
            to: { type: text, required: true }
          steps:
            - { action: send_email, to: "{% $params.to %}", from: "News <news@example.com>", subject: Hi, text: Hello }
          """,
      "write.yaml", """
          name: write
          trigger: { schedule: {} }
          parameters:
            text: { type: text, required: true }
          steps:
            - { action: return, data: "{% $params.text %}" }
          """,
      "touch.yaml", """
          name: touch
          trigger: { schedule: {} }
          parameters:
            id: { type: text, required: true }
          steps:
            - { action: return, data: "{% $params.id %}" }
          """,
      "daily.yaml", """
          name: daily
          trigger: { recurring: { schedule: "cron(0 9 * * ? *)", timezone: UTC } }
          steps:
            - { action: search_things, type: note }
          """,
      "open.yaml", """
          name: open
          trigger: { api: { auth: none } }
          steps:
            - { action: return, data: ok }
          """);

  private final Fixtures.Stack stack = new Fixtures.Stack(WORKFLOWS);
  private final List<String> keyCalls = new ArrayList<>();
  private final ApiKeyStore keyStore = recording(new MapApiKeyStore());
  private final String key = new ApiKeys(keyStore, stack.clock).issue("app", false);
  /** What each workflow's function touched, across every piece of work it did. */
  private final Map<String, Set<Access>> touched = new java.util.TreeMap<>();

  private ApiKeyStore recording(ApiKeyStore store) {
    return new ApiKeyStore() {
      public Optional<ApiKey> find(String keyHash) {
        keyCalls.add("ApiKeyStore.find");
        return store.find(keyHash);
      }

      public void put(ApiKey k) {
        store.put(k);
      }

      public List<ApiKey> list() {
        return store.list();
      }

      public boolean delete(String keyHash) {
        return store.delete(keyHash);
      }
    };
  }

  private static Set<Access> grants(String workflow) {
    return WorkflowAccess.of(WORKFLOWS.get(workflow).orElseThrow(), WORKFLOWS, ActionRegistry.builtIn()).access();
  }

  /** Runs {@code work} as {@code workflow}'s function would, and checks what it touched against its grants. */
  private void asFunctionOf(String workflow, Runnable work) {
    stack.faults.arm();
    keyCalls.clear();
    work.run();
    stack.faults.disarm();
    Set<Access> used = EnumSet.noneOf(Access.class);
    Set<String> ungranted = new TreeSet<>();
    List<String> calls = new ArrayList<>(stack.faults.calls());
    calls.addAll(keyCalls);
    for (String call : calls) {
      String port = call.substring(0, call.indexOf('.'));
      if (OWN.contains(port)) {
        continue;
      }
      Access needed = PORTS.get(port);
      assertThat(needed).as("a port this test does not know: " + call).isNotNull();
      used.add(needed);
      if (!grants(workflow).contains(needed)) {
        ungranted.add(call + " needs " + needed);
      }
    }
    assertThat(ungranted).as(workflow + "'s function touched what it is not granted").isEmpty();
    touched.computeIfAbsent(workflow, w -> EnumSet.noneOf(Access.class)).addAll(used);
  }

  private ApiResponse call(String workflow, String bearer) {
    HttpApi function = new HttpApi(stack.engine, stack.runs, new ApiKeys(keyStore, stack.clock), new HttpApi.Routes.Workflow(workflow));
    ApiResponse r = function.handle(Fixtures.post("/wf/" + workflow, bearer, "{}"));
    dev.backendworkflows.testutils.ErrorBodies.record(r.status(), r.body());
    return r;
  }

  /** Delivers everything due, each delivery in the function of the workflow it is for. */
  private void deliverDue() {
    int fired;
    do {
      List<dev.backendworkflows.schedule.Scheduler.Delivery> due = new ArrayList<>();
      fired = stack.scheduler.fireDue(stack.clock.instant(), due::add);
      for (var d : due) {
        asFunctionOf(d.workflow(), () -> {
          if (d.resume()) {
            stack.deliveries.resume(d.scheduledRunId(), Invocation.untimed());
          } else {
            assertThat(stack.deliveries.deliver(d.scheduledRunId()).ran()).isTrue();
          }
        });
      }
    } while (fired > 0);
  }

  @Test
  void everyKindOfWorkTouchesOnlyWhatItsFunctionIsGranted() {
    asFunctionOf("everything", () -> assertThat(call("everything", key).status()).isEqualTo(200));
    asFunctionOf("open", () -> assertThat(call("open", null).status()).isEqualTo(200));
    asFunctionOf("hook", () -> assertThat(call("hook", key).status()).isEqualTo(200));
    deliverDue();
    stack.clock.advance(Duration.ofDays(1));
    stack.scheduler.fireRecurring(stack.clock.instant(), (event, at) -> asFunctionOf(event.workflow(),
        () -> assertThat(stack.deliveries.deliverRecurringEvent(event.id(), at, Invocation.untimed()).ran()).isTrue()));
    asFunctionOf("daily", () -> assertThat(stack.deliveries.deliverRecurring("daily", stack.clock.instant(), Invocation.untimed())
        .ran()).isTrue());

    // the work above did reach every grant: a grant nothing used would be one too many
    assertThat(touched.get("everything")).containsExactlyInAnyOrderElementsOf(grants("everything"));
    assertThat(touched.get("write")).containsExactlyInAnyOrderElementsOf(grants("write"));
    assertThat(touched.get("touch")).containsExactlyInAnyOrderElementsOf(grants("touch"));
    assertThat(touched.get("daily")).containsExactlyInAnyOrderElementsOf(grants("daily"));
    assertThat(touched.get("hook")).containsExactlyInAnyOrderElementsOf(grants("hook"));
    assertThat(touched.get("open")).isEmpty();
    assertThat(stack.outbox.sent()).hasSize(1);
  }

  @Test
  void aResumedRunTouchesOnlyWhatItsFunctionIsGranted() {
    // kill attempts at their first schedule write: the API run, then the scheduled run it left
    for (String workflow : List.of("everything")) {
      stack.faults.crashBefore(c -> c.equals("ScheduleStore.create"));
      try {
        call(workflow, key);
      } catch (Faults.Crash killed) {
        // the attempt died; the sweep hands the run to a new attempt in the workflow's function
      }
      stack.faults.disarm();
    }
    stack.clock.advance(Duration.ofMinutes(20));
    stack.deliveries.sweep();
    deliverDue();
    assertThat(touched).containsKey("everything");
    assertThat(stack.runs.query(new dev.backendworkflows.runlog.RunQuery("everything", null, 10, null)).runs())
        .extracting(r -> r.status().name()).containsExactly("SUCCEEDED");
  }

  @Test
  void grantsFollowTriggersStepsAndTheEventsTheyRun() {
    assertThat(grants("everything")).containsExactlyInAnyOrder(Access.API_KEYS, Access.THINGS, Access.SCHEDULES, Access.SCHEDULER,
        Access.EMAIL);
    assertThat(grants("open")).isEmpty();
    assertThat(grants("write")).containsExactlyInAnyOrder(Access.SCHEDULES, Access.SCHEDULER);
    assertThat(grants("touch")).containsExactlyInAnyOrder(Access.SCHEDULES, Access.SCHEDULER, Access.THINGS);
    // an API or recurring workflow another one schedules gets what scheduled deliveries touch
    assertThat(grants("daily")).containsExactlyInAnyOrder(Access.SCHEDULES, Access.THINGS);
    assertThat(grants("hook")).containsExactlyInAnyOrder(Access.API_KEYS, Access.SCHEDULES, Access.SCHEDULER, Access.THINGS);
    WorkflowAccess everything = WorkflowAccess.of(WORKFLOWS.get("everything").orElseThrow(), WORKFLOWS, ActionRegistry.builtIn());
    assertThat(everything.senders()).containsExactly("news@example.com");
  }

  @Test
  void secretsOfTheEventsAWorkflowRunsAreItsFunctionsToo() {
    Workflows w = Fixtures.workflows(
        "pay.yaml", """
            name: pay
            trigger: { api: {} }
            secrets: [ledger_key]
            steps:
              - { action: api_call, url: "https://ledger.example.com", headers: { Authorization: { secret: ledger_key } } }
              - { action: trigger_event, event: charge }
            """,
        "charge.yaml", """
            name: charge
            trigger: { custom_event: {} }
            secrets: [stripe_key]
            steps:
              - { action: api_call, url: "https://api.stripe.com", headers: { Authorization: { secret: stripe_key } } }
              - { action: trigger_event, event: receipt }
            """,
        "receipt.yaml", """
            name: receipt
            trigger: { custom_event: {} }
            senders: [billing@example.com]
            steps:
              - { action: send_email, to: a@example.com, subject: s, text: t, from: billing@example.com }
            """);
    WorkflowAccess pay = WorkflowAccess.of(w.get("pay").orElseThrow(), w, ActionRegistry.builtIn());
    assertThat(pay.secrets()).containsExactly("ledger_key", "stripe_key");
    assertThat(pay.senders()).containsExactly("billing@example.com");
    assertThat(pay.access()).containsExactlyInAnyOrder(Access.API_KEYS, Access.EMAIL);
  }

  @Test
  void aCustomActionThatDoesNotSayIsGrantedEverything() {
    var custom = new dev.backendworkflows.engine.actions.Action() {
      public String name() {
        return "log";
      }

      public Object execute(dev.backendworkflows.engine.actions.ActionContext ctx) {
        return null;
      }
    };
    Workflows w = new DefinitionLoader().load(Map.of("x.yaml", "name: x\ntrigger: { api: { auth: none } }\nsteps:\n  - { action: log, message: hi }\n"));
    assertThat(WorkflowAccess.of(w.get("x").orElseThrow(), w, ActionRegistry.of(custom)).access())
        .containsExactlyInAnyOrder(Access.values());
    assertThat(WorkflowAccess.of(w.get("x").orElseThrow(), w, ActionRegistry.builtIn()).access()).isEmpty();
  }
}
