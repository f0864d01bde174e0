package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.DefinitionVersions;
import dev.backendworkflows.definition.KeptVersions;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.execution.LeasePolicy;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.schedule.Deliveries;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.testutils.Faults;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs across a deploy that changes their workflow: one continued after its attempt died runs on
 * under the version it started with when that version is kept (and stops, saying so, when it is not);
 * a scheduled run runs the current version when its stored parameters still bind, and is rejected as
 * {@code version_mismatch}, naming them, when they do not.
 */
class DefinitionVersionsTest {
  static final String SHIP_V1 = """
      name: ship
      trigger: { api: {} }
      steps:
        - { action: create_thing, type: note, fields: { text: one } }
        - { action: create_thing, type: note, fields: { text: two-v1 } }
      """;
  static final String SHIP_V2 = """
      name: ship
      trigger: { api: {} }
      steps:
        - { action: create_thing, type: note, fields: { text: one } }
        - { action: create_thing, type: note, fields: { text: two-v2 } }
        - { action: create_thing, type: note, fields: { text: three-v2 } }
      """;

  @TempDir
  Path tmp;

  private final Fixtures.Stack v1 = new Fixtures.Stack(Fixtures.workflows("ship.yaml", SHIP_V1, "remind.yaml", Fixtures.REMIND,
      "write-note.yaml", Fixtures.WRITE_NOTE));

  /** The definitions as a deploy ships them: {@code files} in a folder, with the data schema. */
  private Path deployed(String... fileAndYaml) throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("deploy-" + System.nanoTime()));
    Files.writeString(dir.resolve(DefinitionLoader.DATA_SCHEMA_FILE), Fixtures.DATA_SCHEMA);
    for (int i = 0; i < fileAndYaml.length; i += 2) {
      Files.writeString(dir.resolve(fileAndYaml[i]), fileAndYaml[i + 1]);
    }
    return dir;
  }

  /** An engine on v1's stores running {@code dir}'s definitions, with {@code versions}. */
  private WorkflowEngine engineFor(Path dir, DefinitionVersions versions) {
    Workflows now = new DefinitionLoader().load(dir);
    return new WorkflowEngine(now, v1.services, ActionRegistry.builtIn(), versions);
  }

  private List<String> notes() {
    return v1.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().stream()
        .map(t -> (String) t.fields().get("text")).sorted().toList();
  }

  /** A run of ship under v1 whose attempt dies after its first note; the dead attempt's lease then runs out. */
  private String shipDiesAfterItsFirstStep() {
    v1.faults.crashAt(2 * 1 + 1); // calls: the run's start, the first note's create (it needs no mark): die after the create
    String[] runId = new String[1];
    assertThatThrownBy(() -> v1.engine.run(new RunRequest("ship", Map.of(), "api", "test").as(runId[0] = "run-ship", null)))
        .isInstanceOf(Faults.Crash.class);
    v1.faults.disarm();
    v1.clock.advance(LeasePolicy.LONGEST_RUN.plus(Duration.ofMinutes(1)));
    return runId[0];
  }

  @Test
  void aRunContinuedAfterItsWorkflowChangedFinishesUnderTheVersionItStartedWith() throws Exception {
    String runId = shipDiesAfterItsFirstStep();
    assertThat(notes()).containsExactly("one");
    Path dir = deployed("ship.yaml", SHIP_V2, "remind.yaml", Fixtures.REMIND, "write-note.yaml", Fixtures.WRITE_NOTE);
    Path kept = tmp.resolve("kept");
    KeptVersions.keep(Map.of("ship.yaml", SHIP_V1), kept);

    RunRecord r = engineFor(dir, new KeptVersions(dir, List.of(kept))).resume(runId, Invocation.untimed()).record();

    assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(r.definitionVersion()).isEqualTo(v1.engine.workflows().get("ship").orElseThrow().version());
    assertThat(r.steps()).hasSize(2);
    assertThat(notes()).containsExactly("one", "two-v1");
  }

  @Test
  void aRunWhoseStartingVersionIsNotKeptStopsAndSaysSo() throws Exception {
    String runId = shipDiesAfterItsFirstStep();
    Path dir = deployed("ship.yaml", SHIP_V2, "remind.yaml", Fixtures.REMIND, "write-note.yaml", Fixtures.WRITE_NOTE);

    RunRecord r = engineFor(dir, new KeptVersions(dir, List.of(tmp.resolve("nothing-kept")))).resume(runId, Invocation.untimed())
        .record();

    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).isEqualTo(WorkflowEngine.DEFINITION_CHANGED);
    assertThat(r.error().message()).contains("is not kept");
    assertThat(notes()).containsExactly("one");
  }

  @Test
  void aKeptFileThatIsNotTheVersionItsNameSaysIsNotUsed() throws Exception {
    String runId = shipDiesAfterItsFirstStep();
    Path dir = deployed("ship.yaml", SHIP_V2, "remind.yaml", Fixtures.REMIND, "write-note.yaml", Fixtures.WRITE_NOTE);
    Path kept = Files.createDirectories(tmp.resolve("forged"));
    String v1Version = v1.engine.workflows().get("ship").orElseThrow().version();
    Files.writeString(kept.resolve(KeptVersions.fileName("ship", v1Version)), SHIP_V2); // the name lies

    RunRecord r = engineFor(dir, new KeptVersions(dir, List.of(kept))).resume(runId, Invocation.untimed()).record();

    assertThat(r.error().code()).isEqualTo(WorkflowEngine.DEFINITION_CHANGED);
  }

  @Test
  void aFailedRunRetriedAfterItsWorkflowChangedRunsOnUnderTheVersionItStartedWith() throws Exception {
    String fixV1 = """
        name: fix
        trigger: { api: {} }
        steps:
          - { action: update_thing, type: note, thing_id: target, fields: { text: fixed-by-v1 } }
        """;
    Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("fix.yaml", fixV1));
    RunRecord failed = stack.engine.run(new RunRequest("fix", Map.of(), "api", "test")).record();
    assertThat(failed.status()).isEqualTo(RunStatus.FAILED); // no thing 'target' yet
    stack.things.create(new dev.backendworkflows.data.Thing("note", "target", Map.of("text", "broken"), stack.clock.instant(),
        stack.clock.instant()));
    Path dir = deployed("fix.yaml", fixV1.replace("fixed-by-v1", "fixed-by-v2"));
    Path kept = tmp.resolve("kept-fix");
    KeptVersions.keep(Map.of("fix.yaml", fixV1), kept);
    WorkflowEngine deployedEngine = new WorkflowEngine(new DefinitionLoader().load(dir), stack.services, ActionRegistry.builtIn(),
        new KeptVersions(dir, List.of(kept)));

    assertThat(WorkflowEngine.reopen(stack.runs, failed.runId())).isPresent(); // POST /runs/{id}/retry
    RunRecord retried = deployedEngine.resume(failed.runId(), Invocation.untimed()).record();

    assertThat(retried.status()).isEqualTo(RunStatus.SUCCEEDED);
    assertThat(stack.things.get("note", "target").orElseThrow().fields()).containsEntry("text", "fixed-by-v1");
  }

  @Test
  void aKeptVersionThatNoLongerLoadsBesideTheCurrentDefinitionsIsNotFound() throws Exception {
    Path dir = deployed("ship.yaml", SHIP_V2);
    Path kept = tmp.resolve("kept-stale");
    String writesARemovedField = SHIP_V1.replace("fields: { text: two-v1 }", "fields: { colour: red }");
    KeptVersions.keep(Map.of("ship.yaml", writesARemovedField), kept);
    KeptVersions versions = new KeptVersions(dir, List.of(kept));
    String version = new DefinitionLoader().load(Map.of(DefinitionLoader.DATA_SCHEMA_FILE, Fixtures.DATA_SCHEMA.replace(
        "text: { type: text }", "text: { type: text }\n      colour: { type: text }"), "ship.yaml", writesARemovedField))
        .get("ship").orElseThrow().version();

    assertThat(versions.find("ship", version)).isEmpty();
    assertThat(versions.find("ship", v1.engine.workflows().get("ship").orElseThrow().version())).isEmpty(); // not kept at all
    assertThat(versions.find("../../etc/passwd", "0123456789ab")).isEmpty();
  }

  @Test
  void aVersionMismatchNamesTheParametersButNeverASecretsValue() {
    Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows("charge.yaml", """
        name: charge
        trigger: { schedule: {} }
        parameters:
          token: { type: number, required: true, secret: true }
          amount: { type: number, required: true }
        steps: [ { action: log, message: charged } ]
        """));

    assertThatThrownBy(() -> stack.engine.run(new RunRequest("charge", Map.of("token", "tok_live_s3cr3t", "amount", "ten"),
        "schedule", "test").stored()))
        .isInstanceOfSatisfying(WorkflowEngine.RejectedRunException.class, e -> {
          assertThat(e.error().code()).isEqualTo(WorkflowEngine.VERSION_MISMATCH);
          assertThat(e.error().fields()).extracting(f -> f.field()).containsExactlyInAnyOrder("token", "amount");
          assertThat(e.error().toString()).doesNotContain("s3cr3t");
          RunRecord recorded = stack.runs.load(e.runId()).orElseThrow().record();
          assertThat(dev.backendworkflows.internal.Json.write(recorded)).doesNotContain("s3cr3t").contains("version_mismatch");
        });
  }

  @Test
  void aScheduledRunWhoseStoredParametersNoLongerBindIsRejectedAsAVersionMismatch() throws Exception {
    v1.engine.run(new RunRequest("remind", Map.of("text", "hello", "after", "PT1M"), "api", "test"));
    String changed = """
        name: write-note
        trigger: { schedule: {} }
        parameters:
          body: { type: text, required: true }
        steps:
          - { action: create_thing, type: note, fields: { text: "{% $params.body %}" } }
        """;
    Path dir = deployed("ship.yaml", SHIP_V1, "remind.yaml", Fixtures.REMIND.replace("text: \"{% $params.text %}\"",
        "body: \"{% $params.text %}\""), "write-note.yaml", changed);
    WorkflowEngine deployedEngine = engineFor(dir, DefinitionVersions.NONE);
    Deliveries deliveries = new Deliveries(v1.services, deployedEngine);
    v1.clock.advance(Duration.ofMinutes(2));

    int fired = v1.scheduler.fireDue(v1.clock.instant(), d -> deliveries.deliver(d.scheduledRunId()));

    assertThat(fired).isEqualTo(1);
    var scheduled = v1.schedules.list(ScheduleStatus.FAILED, "write-note", 10, null).runs().getFirst();
    assertThat(scheduled.status()).isEqualTo(ScheduleStatus.FAILED);
    assertThat(scheduled.error().code()).isEqualTo(WorkflowEngine.VERSION_MISMATCH);
    RunRecord run = v1.runs.load(scheduled.id()).orElseThrow().record();
    assertThat(run.status()).isEqualTo(RunStatus.REJECTED);
    assertThat(run.error().code()).isEqualTo(WorkflowEngine.VERSION_MISMATCH);
    assertThat(run.error().fields()).extracting(f -> f.field()).containsExactlyInAnyOrder("body", "text");
    assertThat(run.error().message()).contains("not the version they were checked against").contains("body (required)");
    assertThat(notes()).isEmpty();
  }

  @Test
  void aScheduledRunWhoseParametersStillBindRunsTheCurrentVersion() throws Exception {
    v1.engine.run(new RunRequest("remind", Map.of("text", "hello", "after", "PT1M"), "api", "test"));
    String compatible = Fixtures.WRITE_NOTE.replace("text: { type: text, required: true }",
        "text: { type: text, required: true }\n  tone: { type: text, default: warm }")
        .replace("fields: { text: \"{% $params.text %}\" }", "fields: { text: \"{% $params.text & ' (' & $params.tone & ')' %}\" }");
    Path dir = deployed("ship.yaml", SHIP_V1, "remind.yaml", Fixtures.REMIND, "write-note.yaml", compatible);
    Deliveries deliveries = new Deliveries(v1.services, engineFor(dir, DefinitionVersions.NONE));
    v1.clock.advance(Duration.ofMinutes(2));

    v1.scheduler.fireDue(v1.clock.instant(), d -> deliveries.deliver(d.scheduledRunId()));

    assertThat(notes()).containsExactly("hello (warm)");
  }
}
