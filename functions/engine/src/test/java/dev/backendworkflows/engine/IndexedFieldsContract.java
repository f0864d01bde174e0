package dev.backendworkflows.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Indexed fields as workflows use them, on every store (each store's test extends this): writes
 * keep listings in step with values, an index added to a type that has things serves searches
 * only once the sweep has listed them all (searches say {@code scan: true} until then), and a
 * search served by an index finds exactly what the scan finds.
 */
public abstract class IndexedFieldsContract {
  private static final String FIELDS = """
            customer: { type: text }
            amount: { type: number }
      """;

  /** The stores under test, made for a stack's clock; each call gives stores of their own. */
  protected abstract Function<MutableClock, Fixtures.Stores> stores();

  private static Workflows workflows(boolean indexed) {
    String schema = "types:\n  order:\n    fields:\n      status: { type: text" + (indexed ? ", index: true" : "") + " }\n"
        + "      rank: { type: number" + (indexed ? ", index: true" : "") + " }\n" + FIELDS.replace("      ", "      ");
    return Fixtures.workflows(
        DefinitionLoader.DATA_SCHEMA_FILE, schema,
        "place.yaml", """
            name: place
            trigger: { api: {} }
            parameters:
              status: { type: text, required: true }
              amount: { type: number, default: 1 }
            steps:
              - id: order
                action: create_thing
                type: order
                fields: { status: "{% $params.status %}", amount: "{% $params.amount %}", rank: 0 }
              - action: return
                data: "{% $steps.order._id %}"
            """,
        "mark.yaml", """
            name: mark
            trigger: { api: {} }
            parameters:
              id: { type: text, required: true }
              status: { type: text, required: true }
            steps:
              - action: update_thing
                type: order
                thing_id: "{% $params.id %}"
                fields: { status: "{% $params.status %}" }
                increment: { rank: 1 }
            """,
        "drop.yaml", """
            name: drop
            trigger: { api: {} }
            parameters:
              id: { type: text, required: true }
            steps:
              - action: delete_thing
                type: order
                thing_id: "{% $params.id %}"
            """,
        "find.yaml", """
            name: find
            trigger: { api: {} }
            parameters:
              status: { type: text, required: true }
            steps:
              - id: found
                action: search_things
                type: order
                constraints: [ { field: status, op: "=", value: "{% $params.status %}" } ]
              - id: counted
                action: count_things
                type: order
                constraints: [ { field: status, op: "=", value: "{% $params.status %}" }, { field: amount, op: ">", value: 1 } ]
              - action: return
                data:
                  ids: "{% [$steps.found.items._id] %}"
                  scan: "{% $exists($steps.found.scan) %}"
                  counted_by_scan: "{% $exists($steps.counted.scan) %}"
                  count: "{% $steps.counted.count %}"
                  read: "{% $steps.counted.read %}"
            """);
  }

  private static final Workflows PLAIN = workflows(false);
  private static final Workflows INDEXED = workflows(true);

  private final MutableClock clock = MutableClock.at("2026-03-01T09:00:00Z");
  private Fixtures.Stores stores;

  @org.junit.jupiter.api.BeforeEach
  void setUp() {
    stores = stores().apply(clock);
  }

  private Fixtures.Stack stack(Workflows workflows) {
    return new Fixtures.Stack(workflows, clock, c -> stores);
  }

  /** Runs a workflow a millisecond after the last, so the things it creates come in call order. */
  private Object call(Fixtures.Stack s, String workflow, Map<String, Object> params) {
    clock.advance(Duration.ofMillis(1));
    RunOutcome out = s.engine.run(new RunRequest(workflow, params, "api", "test"));
    assertThat(out.record().status()).as(String.valueOf(out.record().error())).isEqualTo(RunStatus.SUCCEEDED);
    return out.response();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> find(Fixtures.Stack s, String status) {
    return (Map<String, Object>) call(s, "find", Map.of("status", status));
  }

  /** Sweeps, lets the deploy overlap pass, and sweeps again: what a deployed stack does within about 21 minutes. */
  private void sweepPastTheOverlap(Fixtures.Stack s) {
    s.deliveries.sweep();
    clock.advance(Duration.ofMinutes(21));
    s.deliveries.sweep();
  }

  @Test
  void indexAddedToATypeWithThings_scansUntilTheSweepListsThemThenLooksThemUp() {
    Fixtures.Stack before = stack(PLAIN);
    String a = (String) call(before, "place", Map.of("status", "paid", "amount", 5));
    call(before, "place", Map.of("status", "open", "amount", 5));
    String c = (String) call(before, "place", Map.of("status", "paid"));

    Fixtures.Stack after = stack(INDEXED);
    String d = (String) call(after, "place", Map.of("status", "paid", "amount", 7)); // listed as it is written
    Map<String, Object> scanned = find(after, "paid");
    assertThat(scanned).containsEntry("ids", List.of(a, c, d)).containsEntry("scan", true).containsEntry("counted_by_scan", true)
        .containsEntry("count", 2);

    after.deliveries.sweep();
    assertThat(find(after, "paid")).as("not ready before older code can have stopped").containsEntry("scan", true);
    clock.advance(Duration.ofMinutes(21));
    after.deliveries.sweep();

    Map<String, Object> looked = find(after, "paid");
    assertThat(looked).containsEntry("ids", List.of(a, c, d)).containsEntry("scan", false).containsEntry("counted_by_scan", false)
        .containsEntry("count", 2)
        .containsEntry("read", 3); // the paid orders only, not the open one
  }

  @Test
  void changesAndDeletesMoveListings_soTheIndexFindsWhatTheScanFinds() {
    Fixtures.Stack s = stack(INDEXED);
    sweepPastTheOverlap(s);
    String a = (String) call(s, "place", Map.of("status", "open"));
    String b = (String) call(s, "place", Map.of("status", "open"));
    String c = (String) call(s, "place", Map.of("status", "open"));
    call(s, "mark", Map.of("id", b, "status", "paid")); // status moves; rank (indexed) is incremented to 1
    call(s, "drop", Map.of("id", c));

    assertThat(find(s, "open")).containsEntry("ids", List.of(a)).containsEntry("scan", false).containsEntry("counted_by_scan", false);
    assertThat(find(s, "paid")).containsEntry("ids", List.of(b)).containsEntry("scan", false);
    String rankOne = Indexes.key("order", "rank", 1);
    List<Thing> ranked = s.things.search(new ThingQuery("order", List.of(new Constraint("rank", Constraint.Op.EQ, 1)), null, false,
        10, null, rankOne)).things();
    assertThat(ranked).extracting(Thing::id).containsExactly(b);
    assertThat(s.things.search(new ThingQuery("order", List.of(new Constraint("rank", Constraint.Op.EQ, 0)), null, false,
        10, null, Indexes.key("order", "rank", 0))).things()).extracting(Thing::id).containsExactly(a);
  }

  @Test
  void aBuildGoesOnWhereTheLastSweepStopped_andAFieldNoLongerIndexedIsDropped() {
    Fixtures.Stack before = stack(PLAIN);
    for (int i = 0; i < 11; i++) {
      call(before, "place", Map.of("status", i % 2 == 0 ? "paid" : "open"));
    }
    var types = INDEXED.types().values();
    Indexes.Build first = Indexes.build(stores.things(), types, clock.instant(), Duration.ZERO, 4);
    assertThat(first.listed()).isEqualTo(4);
    assertThat(first.readied()).isEmpty();
    Indexes.Build second = Indexes.build(stores.things(), types, clock.instant(), Duration.ZERO, 4);
    assertThat(second.listed()).isEqualTo(4);
    assertThat(second.readied()).isEmpty();
    Indexes.Build rest = Indexes.build(stores.things(), types, clock.instant(), Duration.ZERO, 100);
    assertThat(rest.readied()).containsExactlyInAnyOrder("order.status", "order.rank");
    assertThat(rest.listed()).isEqualTo(3 + 11); // status: the 3 left; rank: all 11

    Indexes.Build unindexed = Indexes.build(stores.things(), PLAIN.types().values(), clock.instant(), Duration.ZERO, 100);
    assertThat(unindexed.dropped()).containsExactlyInAnyOrder("order.status", "order.rank");
    // indexed again later: built from the start, since writes meanwhile were not listed
    Indexes.Build again = Indexes.build(stores.things(), types, clock.instant(), Duration.ZERO, 100);
    assertThat(again.listed()).isEqualTo(22);
    assertThat(again.readied()).hasSize(2);
  }

  @Test
  void aBuildLeftAloneLongerThanTheOverlap_startsOver() {
    Fixtures.Stack before = stack(PLAIN);
    for (int i = 0; i < 6; i++) {
      call(before, "place", Map.of("status", "paid"));
    }
    var types = INDEXED.types().values();
    assertThat(Indexes.build(stores.things(), types, clock.instant(), Duration.ofMinutes(15), 100).listed())
        .as("waits out the overlap").isZero();
    clock.advance(Duration.ofMinutes(16));
    assertThat(Indexes.build(stores.things(), types, clock.instant(), Duration.ofMinutes(15), 3).listed()).isEqualTo(3);
    clock.advance(Duration.ofHours(2)); // no sweep for two hours: writes meanwhile may have missed their listing
    assertThat(Indexes.build(stores.things(), types, clock.instant(), Duration.ofMinutes(15), 100).listed())
        .as("starts over, waiting out the overlap again").isZero();
    clock.advance(Duration.ofMinutes(16));
    Indexes.Build done = Indexes.build(stores.things(), types, clock.instant(), Duration.ofMinutes(15), 100);
    assertThat(done.listed()).isEqualTo(12);
    assertThat(done.readied()).hasSize(2);
  }

  private static final Workflows COUPONS = Fixtures.workflows(
      DefinitionLoader.DATA_SCHEMA_FILE, """
          types:
            coupon:
              fields:
                code: { type: text, unique: true, index: true }
          """,
      "issue.yaml", """
          name: issue
          trigger: { api: {} }
          parameters: { code: { type: text, required: true } }
          steps:
            - { id: c, action: create_thing, type: coupon, fields: { code: "{% $params.code %}" } }
            - { action: return, data: "{% $steps.c._id %}" }
          """,
      "recode.yaml", """
          name: recode
          trigger: { api: {} }
          parameters: { id: { type: text, required: true }, code: { type: text, required: true } }
          steps:
            - { action: update_thing, type: coupon, thing_id: "{% $params.id %}", fields: { code: "{% $params.code %}" } }
          """,
      "find.yaml", """
          name: find
          trigger: { api: {} }
          parameters: { code: { type: text, required: true } }
          steps:
            - { id: f, action: search_things, type: coupon, constraints: [ { field: code, op: "=", value: "{% $params.code %}" } ] }
            - { action: return, data: { ids: "{% [$steps.f.items._id] %}", scan: "{% $exists($steps.f.scan) %}" } }
          """);

  @SuppressWarnings("unchecked")
  private Map<String, Object> coupons(Fixtures.Stack s, String code) {
    return (Map<String, Object>) call(s, "find", Map.of("code", code));
  }

  @Test
  void aFieldBothUniqueAndIndexed_movesItsClaimAndItsListingTogether() {
    Fixtures.Stack s = stack(COUPONS);
    sweepPastTheOverlap(s);
    String a = (String) call(s, "issue", Map.of("code", "x"));
    call(s, "recode", Map.of("id", a, "code", "y"));
    assertThat(coupons(s, "y")).containsEntry("ids", List.of(a)).containsEntry("scan", false);
    assertThat(coupons(s, "x")).containsEntry("ids", List.of()).containsEntry("scan", false);
    RunOutcome clash = s.engine.run(new RunRequest("issue", Map.of("code", "y"), "api", "test"));
    assertThat(clash.record().error().code()).isEqualTo("unique_violation");
    String b = (String) call(s, "issue", Map.of("code", "x")); // freed by the recode
    assertThat(coupons(s, "x")).containsEntry("ids", List.of(b));
  }

  @Test
  void aTypeWithMoreThanFortyUniqueOrIndexedFieldsIsRefused() {
    StringBuilder schema = new StringBuilder("types:\n  wide:\n    fields:\n");
    for (int i = 0; i < 41; i++) {
      schema.append("      f").append(i).append(": { type: text, index: true }\n");
    }
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Fixtures.workflows(DefinitionLoader.DATA_SCHEMA_FILE, schema.toString()))
        .hasMessageContaining("data-schema.yaml: types.wide.fields: at most 40 fields of a type may be unique or indexed, got 41");
  }
}
