package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.Thing;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.runlog.StepRecord;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data schema's privacy rules, on every store (each store's test extends this): the matrix of
 * read, search, create, change and delete × allowed and denied × the owner, another user and an
 * anonymous caller; the system unrestricted; {@code as_user}, {@code ignore_privacy} and custom
 * events; and what loading says about rules.
 */
public abstract class PrivacyRulesContract {
  static final String SCHEMA = """
      types:
        note:
          fields:
            owner: { type: text }
            title: { type: text }
            body: { type: text }
            public: { type: boolean }
          privacy:
            read: "{% $thing.public or $thing.owner = $user.sub %}"
            fields:
              body: "{% $thing.owner = $user.sub %}"
            create: "{% $exists($user.sub) and $thing.owner = $user.sub %}"
            change: "{% $thing.owner = $user.sub %}"
            delete: "{% $thing.owner = $user.sub %}"
        tag:
          fields:
            name: { type: text }
        memo:
          fields:
            title: { type: text }
          privacy:
            read: "{% $thing.title %}"
            create: true
        odd:
          fields:
            title: { type: text }
          privacy:
            read: "{% $number($thing.title) > 0 %}"
            create: true
      """;

  static final Workflows WORKFLOWS = Fixtures.workflows(
      DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA,
      "read-note.yaml", """
          name: read-note
          trigger: { api: { auth: user } }
          parameters: { id: { type: text, required: true } }
          steps:
            - { id: note, action: get_thing, type: note, thing_id: "{% $params.id %}" }
            - { action: return, data: { found: "{% $exists($steps.note) %}", note: "{% $steps.note %}" } }
          """,
      "find-notes.yaml", """
          name: find-notes
          trigger: { api: { auth: user } }
          steps:
            - { id: found, action: search_things, type: note }
            - { id: counted, action: count_things, type: note }
            - action: return
              data:
                titles: "{% [$steps.found.items.title] %}"
                bodies: "{% [$steps.found.items.body] %}"
                count: "{% $steps.counted.count %}"
                read_shown: "{% $exists($steps.counted.read) %}"
          """,
      "find-by-body.yaml", """
          name: find-by-body
          trigger: { api: { auth: user } }
          parameters: { body: { type: text, required: true } }
          steps:
            - id: found
              action: search_things
              type: note
              constraints: [ { field: body, op: "=", value: "{% $params.body %}" } ]
            - id: counted
              action: count_things
              type: note
              constraints: [ { field: body, op: "=", value: "{% $params.body %}" } ]
            - action: return
              data: { titles: "{% [$steps.found.items.title] %}", count: "{% $steps.counted.count %}" }
          """,
      "add-note.yaml", """
          name: add-note
          trigger: { api: { auth: user } }
          parameters:
            owner: { type: text, required: true }
            title: { type: text, required: true }
            public: { type: boolean, default: false }
          steps:
            - id: note
              action: create_thing
              type: note
              fields: { owner: "{% $params.owner %}", title: "{% $params.title %}", body: secret, public: "{% $params.public %}" }
            - { action: return, data: "{% $steps.note._id %}" }
          """,
      "edit-note.yaml", """
          name: edit-note
          trigger: { api: { auth: user } }
          parameters: { id: { type: text, required: true } }
          steps:
            - { action: update_thing, type: note, thing_id: "{% $params.id %}", fields: { title: edited } }
          """,
      "drop-note.yaml", """
          name: drop-note
          trigger: { api: { auth: user } }
          parameters: { id: { type: text, required: true } }
          steps:
            - { action: delete_thing, type: note, thing_id: "{% $params.id %}" }
          """,
      "give-note.yaml", """
          name: give-note
          trigger: { api: { auth: user } }
          parameters: { id: { type: text, required: true }, to: { type: text, required: true } }
          steps:
            - { action: update_thing, type: note, thing_id: "{% $params.id %}", fields: { owner: "{% $params.to %}" } }
          """,
      "add-memo.yaml", """
          name: add-memo
          trigger: { api: { auth: user } }
          steps:
            - { id: m, action: create_thing, type: memo, fields: { title: anything } }
            - { id: again, action: get_thing, type: memo, thing_id: "{% $steps.m._id %}" }
            - { action: return, data: "{% $exists($steps.again) %}" }
          """,
      "add-odd.yaml", """
          name: add-odd
          trigger: { api: { auth: user } }
          steps:
            - { id: o, action: create_thing, type: odd, fields: { title: not a number } }
            - { id: again, action: get_thing, type: odd, thing_id: "{% $steps.o._id %}" }
            - { action: return, data: "{% $exists($steps.again) %}" }
          """,
      "later.yaml", """
          name: later
          trigger: { api: { auth: user } }
          parameters: { why: { type: text } }
          steps:
            - { action: schedule_workflow, workflow: tick, after: PT1H, params: {} }
          """,
      "later-on-purpose.yaml", """
          name: later-on-purpose
          trigger: { api: { auth: user } }
          steps:
            - action: schedule_workflow
              workflow: tick
              after: PT1H
              params: {}
              ignore_privacy: true
              privacy_reason: tick reads nothing of the user's
          """,
      "tick.yaml", """
          name: tick
          trigger: { schedule: {} }
          steps:
            - { action: log, message: tick }
          """,
      "tidy-notes.yaml", """
          name: tidy-notes
          trigger: { api: { auth: user } }
          steps:
            - action: update_things
              type: note
              fields: { title: tidied }
          """,
      "count-all-notes.yaml", """
          name: count-all-notes
          trigger: { api: { auth: user } }
          steps:
            - id: all
              action: count_things
              type: note
              ignore_privacy: true
              privacy_reason: the landing page shows how many notes there are
            - { action: return, data: "{% $steps.all.count %}" }
          """,
      "read-via-event.yaml", """
          name: read-via-event
          trigger: { api: { auth: user } }
          parameters: { id: { type: text, required: true } }
          steps:
            - { id: got, action: trigger_event, event: note-event, params: { id: "{% $params.id %}" } }
            - { action: return, data: "{% $steps.got %}" }
          """,
      "note-event.yaml", """
          name: note-event
          trigger: { custom_event: {} }
          parameters: { id: { type: text, required: true } }
          steps:
            - { id: note, action: get_thing, type: note, thing_id: "{% $params.id %}" }
            - { action: return, data: { found: "{% $exists($steps.note) %}" } }
          """,
      "admin-read.yaml", """
          name: admin-read
          trigger: { api: { auth: api_key } }
          parameters:
            id: { type: text, required: true }
            as: { type: text }
          steps:
            - { id: plain, action: get_thing, type: note, thing_id: "{% $params.id %}" }
            - id: acting
              action: get_thing
              type: note
              thing_id: "{% $params.id %}"
              as_user: "{% $exists($params.as) ? { 'sub': $params.as } : {} %}"
            - { action: return, data: { system: "{% $exists($steps.plain) %}", as_user: "{% $exists($steps.acting) %}" } }
          """);

  static final Map<String, Object> ALICE = Map.of("sub", "alice");
  static final Map<String, Object> BOB = Map.of("sub", "bob");
  /** What an anonymous caller of an auth: none workflow carries: no claims. */
  static final Map<String, Object> ANONYMOUS = Map.of();

  /** The stores under test, made for a stack's clock; each call gives stores of their own. */
  protected abstract Function<MutableClock, Fixtures.Stores> stores();

  private final MutableClock clock = MutableClock.at("2026-03-01T09:00:00Z");
  private Fixtures.Stack stack;
  private String privateNote;
  private String publicNote;

  @BeforeEach
  void setUp() {
    stack = new Fixtures.Stack(WORKFLOWS, clock, stores());
    privateNote = (String) ok(ALICE, "add-note", Map.of("owner", "alice", "title", "diary")).response();
    publicNote = (String) ok(ALICE, "add-note", Map.of("owner", "alice", "title", "recipe", "public", true)).response();
  }

  private RunOutcome run(Map<String, Object> user, String workflow, Map<String, Object> params) {
    clock.advance(Duration.ofMillis(1));
    return stack.engine.run(new RunRequest(workflow, params, "api", user == null ? "key:test" : "user:" + user.get("sub"), user));
  }

  private RunOutcome ok(Map<String, Object> user, String workflow, Map<String, Object> params) {
    RunOutcome out = run(user, workflow, params);
    assertThat(out.record().status()).as(String.valueOf(out.record().error())).isEqualTo(RunStatus.SUCCEEDED);
    return out;
  }

  private void forbidden(Map<String, Object> user, String workflow, Map<String, Object> params) {
    RunRecord r = run(user, workflow, params).record();
    assertThat(r.status()).isEqualTo(RunStatus.FAILED);
    assertThat(r.error().code()).as(r.error().message()).isEqualTo("forbidden_by_privacy");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> read(Map<String, Object> user, String id) {
    return (Map<String, Object>) ok(user, "read-note", Map.of("id", id)).response();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> find(Map<String, Object> user, Map<String, Object> params) {
    return (Map<String, Object>) ok(user, params.isEmpty() ? "find-notes" : "find-by-body", params).response();
  }

  private Thing note(String id) {
    return stack.things.get("note", id).orElse(null);
  }

  @Test
  @SuppressWarnings("unchecked")
  void read_ownerSeesAll_otherAndAnonymousSeeOnlyPublicNotesWithoutHiddenFields() {
    assertThat(read(ALICE, privateNote)).containsEntry("found", true);
    assertThat((Map<String, Object>) read(ALICE, privateNote).get("note")).containsEntry("body", "secret");
    for (Map<String, Object> user : List.of(BOB, ANONYMOUS)) {
      assertThat(read(user, privateNote)).as("private, for %s", user).containsEntry("found", false);
      @SuppressWarnings("unchecked")
      Map<String, Object> shown = (Map<String, Object>) read(user, publicNote).get("note");
      assertThat(shown).as("public, for %s", user).containsEntry("title", "recipe").doesNotContainKey("body");
    }
  }

  @Test
  void search_givesEachCallerOnlyWhatTheyMayRead_andNeverMatchesOnAHiddenField() {
    assertThat(find(ALICE, Map.of())).containsEntry("titles", List.of("diary", "recipe")).containsEntry("count", 2)
        .containsEntry("read_shown", false) // what was read counts things others may not see
        .containsEntry("bodies", List.of("secret", "secret"));
    for (Map<String, Object> user : List.of(BOB, ANONYMOUS)) {
      assertThat(find(user, Map.of())).as("for %s", user).containsEntry("titles", List.of("recipe")).containsEntry("count", 1)
          .containsEntry("bodies", List.of());
      assertThat(find(user, Map.of("body", "secret"))).as("by a field hidden from %s", user)
          .containsEntry("titles", List.of()).containsEntry("count", 0);
    }
    assertThat(find(ALICE, Map.of("body", "secret"))).containsEntry("count", 2);
  }

  @Test
  void create_ownerMayCreateTheirOwn_otherAndAnonymousMayNot() {
    String own = (String) ok(BOB, "add-note", Map.of("owner", "bob", "title", "mine")).response();
    assertThat(note(own).fields()).containsEntry("owner", "bob");
    long before = count();
    forbidden(BOB, "add-note", Map.of("owner", "alice", "title", "forged"));
    forbidden(ANONYMOUS, "add-note", Map.of("owner", "alice", "title", "anonymous"));
    assertThat(count()).as("nothing created").isEqualTo(before);
  }

  private long count() {
    return stack.things.count("note", List.of()).count();
  }

  @Test
  void change_ownerMayChange_otherAndAnonymousMayNot() {
    forbidden(BOB, "edit-note", Map.of("id", publicNote));
    forbidden(ANONYMOUS, "edit-note", Map.of("id", publicNote));
    forbidden(BOB, "tidy-notes", Map.of());
    assertThat(note(publicNote).fields()).containsEntry("title", "recipe");
    ok(ALICE, "edit-note", Map.of("id", publicNote));
    assertThat(note(publicNote).fields()).containsEntry("title", "edited");
    ok(ALICE, "tidy-notes", Map.of());
    assertThat(note(privateNote).fields()).containsEntry("title", "tidied");
  }

  @Test
  void delete_ownerMayDelete_otherAndAnonymousMayNot() {
    forbidden(BOB, "drop-note", Map.of("id", publicNote));
    forbidden(ANONYMOUS, "drop-note", Map.of("id", publicNote));
    assertThat(note(publicNote)).isNotNull();
    ok(ALICE, "drop-note", Map.of("id", publicNote));
    assertThat(note(publicNote)).isNull();
  }

  @Test
  void aThingTheUserMayNotRead_isNotThereForThem() {
    RunRecord edit = run(BOB, "edit-note", Map.of("id", privateNote)).record();
    assertThat(edit.error().code()).as("the same as for a thing that does not exist").isEqualTo("thing_not_found");
    assertThat(run(BOB, "edit-note", Map.of("id", "no-such-note")).record().error().code()).isEqualTo("thing_not_found");
    ok(BOB, "drop-note", Map.of("id", privateNote));
    assertThat(note(privateNote)).as("not deleted").isNotNull();
  }

  @Test
  void aChangeMustBeAllowedOnTheThingAfterItToo_soNobodyHandsAThingOver() {
    forbidden(ALICE, "give-note", Map.of("id", privateNote, "to", "bob"));
    assertThat(note(privateNote).fields()).containsEntry("owner", "alice");
  }

  @Test
  void onlyARuleThatIsExactlyTrueAllows() {
    assertThat(ok(ALICE, "add-memo", Map.of()).response()).as("a rule yielding text does not allow").isEqualTo(false);
    assertThat(ok(ALICE, "add-odd", Map.of()).response()).as("a rule that fails to evaluate denies").isEqualTo(false);
  }

  @Test
  void aUsersRunMayNotStartSystemRuns_unlessAStepSaysWhy() {
    forbidden(BOB, "later", Map.of());
    RunOutcome out = ok(BOB, "later-on-purpose", Map.of());
    assertThat(out.record().steps().getFirst().privacy()).isEqualTo("ignored: tick reads nothing of the user's");
  }

  @Test
  void anAnonymousCallerStaysAnonymousInTheStoredJournal() {
    RunRecord r = run(ANONYMOUS, "drop-note", Map.of("id", publicNote)).record();
    assertThat(r.error().code()).isEqualTo("forbidden_by_privacy");
    // a failed run keeps its journal for a retry: the retry must act for the same (anonymous) caller
    assertThat(stack.runs.load(r.runId()).orElseThrow().journal().user()).isNotNull().isEmpty();
  }

  @Test
  void theSystemIsNotRestricted_butAStepAsAUserIs() {
    @SuppressWarnings("unchecked")
    Map<String, Object> asBob = (Map<String, Object>) ok(null, "admin-read", Map.of("id", privateNote, "as", "bob")).response();
    assertThat(asBob).containsEntry("system", true).containsEntry("as_user", false);
    @SuppressWarnings("unchecked")
    Map<String, Object> asAlice = (Map<String, Object>) ok(null, "admin-read", Map.of("id", privateNote, "as", "alice")).response();
    assertThat(asAlice).containsEntry("as_user", true);
    @SuppressWarnings("unchecked")
    Map<String, Object> anonymous = (Map<String, Object>) ok(null, "admin-read", Map.of("id", privateNote)).response();
    assertThat(anonymous).containsEntry("as_user", false);
    StepRecord acting = ok(null, "admin-read", Map.of("id", privateNote, "as", "bob")).record().steps().get(1);
    assertThat(acting.privacy()).isEqualTo("as user bob");
  }

  @Test
  void ignorePrivacy_countsEverything_andTheRunLogSaysWhy() {
    RunOutcome out = ok(BOB, "count-all-notes", Map.of());
    assertThat(out.response()).isEqualTo(2);
    assertThat(out.record().steps().getFirst().privacy()).isEqualTo("ignored: the landing page shows how many notes there are");
  }

  @Test
  void customEventsOfAUserRunActForThatUser() {
    assertThat(ok(BOB, "read-via-event", Map.of("id", privateNote)).response()).isEqualTo(Map.of("found", false));
    assertThat(ok(ALICE, "read-via-event", Map.of("id", privateNote)).response()).isEqualTo(Map.of("found", true));
  }

  @Test
  void loading_warnsOfUserWorkflowsOverTypesWithoutRules_andRefusesIgnorePrivacyWithoutAReason() {
    Workflows loaded = Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA, "tags.yaml", """
        name: tags
        trigger: { api: { auth: none } }
        steps:
          - { action: search_things, type: tag }
          - { action: search_things, type: note }
        """);
    assertThat(loaded.warnings()).singleElement().satisfies(w -> {
      assertThat(w.file()).isEqualTo("tags.yaml");
      assertThat(w.path()).isEqualTo("steps[0].type");
      assertThat(w.reason()).contains("'tag'", "no privacy rules");
    });
    assertThat(WORKFLOWS.warnings()).isEmpty();
    Workflows viaEvent = Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA, "outer.yaml", """
        name: outer
        trigger: { api: { auth: user } }
        steps:
          - { action: trigger_event, event: inner, params: {} }
        """, "inner.yaml", """
        name: inner
        trigger: { custom_event: {} }
        steps:
          - { action: count_things, type: tag }
        """);
    assertThat(viaEvent.warnings()).singleElement().satisfies(w -> {
      assertThat(w.file()).isEqualTo("inner.yaml");
      assertThat(w.reason()).contains("custom event", "'tag'");
    });
    assertThatThrownBy(() -> Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA, "why.yaml", """
        name: why
        trigger: { api: { auth: user } }
        steps:
          - { action: count_things, type: note, ignore_privacy: true }
        """)).isInstanceOf(DefinitionException.class).hasMessageContaining("why.yaml: steps[0].ignore_privacy: say why with privacy_reason");
    assertThatThrownBy(() -> Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA.replace("$thing.public or $thing.owner = $user.sub",
        "$thing.public or $thing.owner = $params.x"))).isInstanceOf(DefinitionException.class)
        .hasMessageContaining("data-schema.yaml: types.note.privacy.read: a privacy rule sees only $user and $thing, not $params");
    assertThatThrownBy(() -> Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA.replace(
        "\"{% $thing.public or $thing.owner = $user.sub %}\"", "\"{% $thing.public %} or {% $thing.owner = $user.sub %}\"")))
        .isInstanceOf(DefinitionException.class).hasMessageContaining("types.note.privacy.read: a privacy rule is true, false or one {% %} condition");
    assertThatThrownBy(() -> Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, SCHEMA, "me.yaml", """
        name: me
        trigger: { api: { auth: none } }
        steps:
          - { action: get_thing, type: note, thing_id: x, as_user: { sub: alice } }
        """)).isInstanceOf(DefinitionException.class).hasMessageContaining("me.yaml: steps[0].as_user: this workflow's steps already act");
  }

  /** Rules evaluate what they are given and nothing else: a missing claim denies, never errors. */
  @Test
  void aCallerWithoutTheClaimARuleReadsIsDenied() {
    Map<String, Object> noSub = new HashMap<>(Map.of("email", "x@example.com"));
    forbidden(noSub, "add-note", Map.of("owner", "x", "title", "t"));
    assertThat(read(noSub, publicNote)).containsEntry("found", true);
    assertThat(read(noSub, privateNote)).containsEntry("found", false);
  }
}
