package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Unique fields, increments and version checks as workflows use them, on every store (each store's
 * test extends this), with concurrent callers and the fault hook: one thing per unique value,
 * increments exact and once per step across a crash, a stale version refused.
 */
public abstract class UniqueAndAtomicUpdatesContract {
  static final String SCHEMA = """
      types:
        account:
          fields:
            email: { type: text, unique: true }
            name: { type: text }
            balance: { type: number }
      """;

  /** The stores under test, made for a stack's clock; each call gives stores of their own. */
  protected abstract java.util.function.Function<dev.backendworkflows.testutils.MutableClock, Fixtures.Stores> stores();

  /** Why this store cannot be held to serialised conditional writes, if it cannot (an emulator may not). */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  private void assumeSerialisedWrites() {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
  }

  Fixtures.Stack stack() {
    return new Fixtures.Stack(WORKFLOWS, dev.backendworkflows.testutils.MutableClock.at("2026-03-01T09:00:00Z"), stores());
  }

  static final dev.backendworkflows.definition.Workflows WORKFLOWS = workflows();

  private static dev.backendworkflows.definition.Workflows workflows() {
    return Fixtures.workflows(
        DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA,
        "signup.yaml", """
            name: signup
            trigger: { api: {} }
            parameters:
              email: { type: text, required: true }
              existing: { type: text, default: fail }
            steps:
              - id: account
                action: create_thing
                type: account
                on_conflict: "{% $params.existing %}"
                fields: { email: "{% $params.email %}", balance: 0 }
              - action: return
                data: "{% $steps.account._id %}"
            """,
        "deposit.yaml", """
            name: deposit
            trigger: { api: {} }
            parameters:
              id: { type: text, required: true }
              amount: { type: number, required: true }
            steps:
              - id: after
                action: update_thing
                type: account
                thing_id: "{% $params.id %}"
                increment: { balance: "{% $params.amount %}" }
              - action: return
                data: "{% $steps.after.balance %}"
            """,
        "change.yaml", """
            name: change
            trigger: { api: {} }
            parameters:
              id: { type: text, required: true }
              email: { type: text }
              name: { type: text }
              version: { type: number }
            steps:
              - action: update_thing
                type: account
                thing_id: "{% $params.id %}"
                if_version: "{% $params.version %}"
                fields: { email: "{% $params.email %}", name: "{% $params.name %}" }
            """,
        "close.yaml", """
            name: close
            trigger: { api: {} }
            parameters:
              id: { type: text, required: true }
            steps:
              - { action: delete_thing, type: account, thing_id: "{% $params.id %}" }
            """);
  }

  private Fixtures.Stack stack;

  @org.junit.jupiter.api.BeforeEach
  void setUp() {
    stack = stack();
  }

  private RunOutcome run(String workflow, Map<String, Object> params) {
    return stack.engine.run(new RunRequest(workflow, params, "api", "test"));
  }

  private String signup(String email) {
    RunOutcome out = run("signup", Map.of("email", email));
    assertThat(out.record().status()).as(String.valueOf(out.record().error())).isEqualTo(RunStatus.SUCCEEDED);
    return (String) out.response();
  }

  private List<Thing> accounts() {
    return stack.things.search(new ThingQuery("account", List.of(), null, false, 1000, null)).things();
  }

  private Thing account(String id) {
    return stack.things.get("account", id).orElseThrow();
  }

  /** Runs {@code n} calls of {@code call} at once, from a common start. */
  private static <T> List<T> atOnce(int n, java.util.concurrent.Callable<T> call) throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<T>> futures = new ArrayList<>();
    try (var pool = Executors.newFixedThreadPool(n)) {
      for (int i = 0; i < n; i++) {
        futures.add(pool.submit(() -> {
          go.await();
          return call.call();
        }));
      }
      go.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    }
  }

  @Test
  void twentyConcurrentSignupsWithOneEmailMakeOneAccount() throws Exception {
    assumeSerialisedWrites();
    List<RunRecord> runs = atOnce(20, () -> run("signup", Map.of("email", "ada@example.com")).record());

    assertThat(accounts()).hasSize(1);
    assertThat(runs).filteredOn(r -> r.status() == RunStatus.SUCCEEDED).hasSize(1);
    assertThat(runs).filteredOn(r -> r.status() == RunStatus.FAILED).hasSize(19)
        .allSatisfy(r -> {
          assertThat(r.error().code()).isEqualTo("unique_violation");
          assertThat(r.error().message()).contains("email");
        });
  }

  @Test
  void withReturnExistingTwentyConcurrentSignupsAllGetTheOneAccount() throws Exception {
    assumeSerialisedWrites();
    List<Object> ids = atOnce(20, () -> run("signup", Map.of("email", "ada@example.com", "existing", "return_existing")).response());

    assertThat(accounts()).hasSize(1);
    assertThat(new HashSet<>(ids)).containsExactly(accounts().getFirst().id());
  }

  @Test
  void aUniqueValueMovesWithItsThingAndIsFreedByDelete() {
    String a = signup("a@example.com");
    String b = signup("b@example.com");

    RunRecord taken = run("change", Map.of("id", b, "email", "a@example.com")).record();
    assertThat(taken.error().code()).isEqualTo("unique_violation");
    assertThat(account(b).fields()).containsEntry("email", "b@example.com");

    assertThat(run("change", Map.of("id", a, "email", "c@example.com")).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("change", Map.of("id", b, "email", "a@example.com")).record().status()).as("a's old email is free")
        .isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("signup", Map.of("email", "b@example.com")).record().status()).as("b's old email is free")
        .isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("signup", Map.of("email", "c@example.com")).record().error().code()).isEqualTo("unique_violation");

    assertThat(run("close", Map.of("id", a)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("signup", Map.of("email", "c@example.com")).record().status()).as("freed by the delete").isEqualTo(RunStatus.SUCCEEDED);
  }

  @Test
  void eightClientsMakingAHundredDepositsEachLoseNone() throws Exception {
    assumeSerialisedWrites();
    String id = signup("ada@example.com");

    atOnce(8, () -> {
      for (int i = 0; i < 100; i++) {
        assertThat(run("deposit", Map.of("id", id, "amount", 1)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
      }
      return null;
    });

    assertThat(account(id).fields()).containsEntry("balance", 800);
    assertThat(account(id).version()).isEqualTo(801);
  }

  /**
   * Runs {@code workflow} once cleanly with the fault hook numbering its calls, then once per point —
   * before and after each call — killed there and finished afterwards (resumed, or called again when
   * it never started); {@code check} holds for every point's end.
   */
  private void assertEveryCrashPointFinishes(String workflow, java.util.function.BiFunction<Fixtures.Stack, String, Map<String, Object>> params,
      java.util.function.BiFunction<Fixtures.Stack, String, String> check) {
    Fixtures.Stack clean = stack();
    String cleanId = signupOn(clean);
    clean.faults.arm();
    clean.engine.run(new RunRequest(workflow, params.apply(clean, cleanId), "api", "test").as("once", Invocation.untimed()));
    List<String> calls = clean.faults.calls();
    clean.faults.disarm();
    assertThat(calls).contains("ThingStore.write");
    assertThat(check.apply(clean, cleanId)).as("the clean run").isNull();

    List<String> failures = new ArrayList<>();
    for (int point = 0; point < 2 * calls.size(); point++) {
      Fixtures.Stack s = stack();
      String id = signupOn(s);
      RunRequest request = new RunRequest(workflow, params.apply(s, id), "api", "test").as("once", Invocation.untimed());
      s.faults.crashAt(point);
      try {
        s.engine.run(request);
      } catch (Faults.Crash crashed) {
        // the attempt died here
      }
      s.faults.disarm();
      s.clock.advance(LeasePolicy.LONGEST_RUN.plusMinutes(1));
      RunOutcome end = s.runs.load("once").isPresent() ? s.engine.resume("once", Invocation.untimed()) : s.engine.run(request);
      String wrong = end.record().status() != RunStatus.SUCCEEDED ? "run " + end.record().status() + " " + end.record().error()
          : check.apply(s, id);
      if (wrong != null) {
        failures.add(Faults.describe(point, calls) + ": " + wrong);
      }
    }
    if (!failures.isEmpty()) {
      fail(failures.size() + " crash points did not finish with one change:\n" + String.join("\n", failures));
    }
  }

  private static Map<String, Object> fields(Fixtures.Stack s, String id) {
    return s.things.get("account", id).orElseThrow().fields();
  }

  @Test
  void aDepositKilledAtAnyPointAndFinishedAfterwardsAddsOnce() {
    assertEveryCrashPointFinishes("deposit", (s, id) -> Map.of("id", id, "amount", 5),
        (s, id) -> Integer.valueOf(5).equals(fields(s, id).get("balance")) ? null : "balance " + fields(s, id).get("balance"));
  }

  @Test
  void aChangeAtAVersionKilledAtAnyPointIsMadeOnceAndNotRefusedByItself() {
    assertEveryCrashPointFinishes("change", (s, id) -> Map.of("id", id, "name", "Ada", "email", "ada2@example.com",
        "version", s.things.get("account", id).orElseThrow().version()),
        (s, id) -> fields(s, id).get("name").equals("Ada") && s.things.get("account", id).orElseThrow().version() == 2 ? null
            : "now " + s.things.get("account", id).orElseThrow());
  }

  private static String signupOn(Fixtures.Stack s) {
    return (String) s.engine.run(new RunRequest("signup", Map.of("email", "ada@example.com"), "api", "test")).response();
  }

  @Test
  void aValueStoredBeforeItsFieldWasUniqueNeitherBlocksNorJamsItsThing() {
    java.time.Instant at = stack.clock.instant();
    stack.things.create(new Thing("account", "legacy", Map.of("email", "old@example.com"), at, at)); // no claim: from before
    String fresh = signup("old@example.com"); // takes the value's claim

    assertThat(run("change", Map.of("id", "legacy", "email", "new@example.com")).record().status()).as("its old value is not its to free")
        .isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("close", Map.of("id", "legacy")).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(run("signup", Map.of("email", "old@example.com")).record().error().code()).as("still the fresh one's")
        .isEqualTo("unique_violation");
    assertThat(account(fresh).fields()).containsEntry("email", "old@example.com");
  }

  @Test
  void aChangeWithoutAVersionSetsNoCondition() {
    String id = signup("ada@example.com");
    run("deposit", Map.of("id", id, "amount", 3));
    assertThat(run("change", Map.of("id", id, "name", "Bo")).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(account(id).fields()).containsEntry("name", "Bo");
  }

  @Test
  void aChangeAtAStaleVersionFailsWithVersionConflict() {
    String id = signup("ada@example.com");
    long read = account(id).version();
    run("deposit", Map.of("id", id, "amount", 3)); // someone else's change meanwhile

    RunRecord stale = run("change", Map.of("id", id, "name", "Ada", "version", read)).record();
    assertThat(stale.error().code()).isEqualTo("version_conflict");
    assertThat(stale.error().message()).contains("version " + (read + 1)).contains("not " + read);
    assertThat(account(id).fields()).doesNotContainKey("name");

    assertThat(run("change", Map.of("id", id, "name", "Ada", "version", read + 1)).record().status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(account(id).fields()).containsEntry("name", "Ada");

  }

  @Test
  void incrementingWhatIsNotANumberFieldIsRefused() {
    String id = signup("ada@example.com");
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA, "bad.yaml", """
        name: bad
        trigger: { api: {} }
        parameters:
          id: { type: text, required: true }
        steps:
          - { action: update_thing, type: account, thing_id: "{% $params.id %}", increment: { email: 1, balance: x } }
        """));
    s.things.create(account(id));
    RunRecord r = s.engine.run(new RunRequest("bad", Map.of("id", id), "api", "test")).record();
    assertThat(r.error().code()).isEqualTo("invalid_fields");
    assertThat(r.error().message()).contains("email is not a single, non-unique number field").contains("balance must be incremented by a number");
  }

  @Test
  void uniqueOnAListOrBooleanIsADefinitionError() {
    try {
      Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, """
          types:
            user:
              fields:
                tags: { type: text, list: true, unique: true }
                ok: { type: boolean, unique: true }
          """);
      fail("loaded");
    } catch (DefinitionException e) {
      assertThat(e.getMessage()).contains("data-schema.yaml: types.user.fields.tags.unique: unique is for a single text, number or date "
          + "value, not a list").contains("types.user.fields.ok.unique").contains("not a boolean");
    }
  }
}
