package dev.backendworkflows.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.data.Constraint.Op;
import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import dev.backendworkflows.internal.Ids;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ThingStore} adapter must have; each adapter's test extends this. */
public abstract class ThingStoreContract {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");
  protected ThingStore store;
  private int clockTick;

  /** A fresh, empty store (or one whose types no other test uses). */
  protected abstract ThingStore newStore();

  /** A type name unique to this test, so adapters backed by a shared table stay isolated. */
  protected String type;

  @BeforeEach
  void setUp() {
    store = newStore();
    type = "t" + Ids.newId(Instant.now()).toLowerCase().substring(14);
  }

  private Thing thing(Map<String, Object> fields) {
    Instant at = T0.plusMillis(clockTick++);
    return new Thing(type, Ids.newId(at), fields, at, at);
  }

  private Thing create(Map<String, Object> fields) {
    return store.create(thing(fields));
  }

  private List<Thing> search(List<Constraint> constraints) {
    return store.search(new ThingQuery(type, constraints, null, false, 1000, null)).things();
  }

  @Test
  void createdThingCanBeReadBack() {
    Thing t = create(Map.of("name", "Ada", "age", 36, "tags", List.of("a", "b"), "meta", Map.of("k", true)));
    assertThat(store.get(type, t.id())).contains(t);
  }

  @Test
  void missingThingIsEmpty() {
    assertThat(store.get(type, "nope")).isEmpty();
  }

  @Test
  void createNeverOverwrites() {
    Thing t = create(Map.of("name", "Ada"));
    Thing clash = new Thing(type, t.id(), Map.of("name", "Eve"), T0, T0);
    assertThatThrownBy(() -> store.create(clash)).isInstanceOf(ThingAlreadyExistsException.class);
    assertThat(store.get(type, t.id()).orElseThrow().fields()).containsEntry("name", "Ada");
  }

  @Test
  void updateChangesNamedFieldsKeepsOthersAndNullClears() {
    Thing t = create(Map.of("name", "Ada", "age", 36, "city", "London"));
    Map<String, Object> changes = new HashMap<>();
    changes.put("age", 37);
    changes.put("city", null);
    Thing updated = store.update(type, t.id(), changes, T0.plusSeconds(60));
    assertThat(updated.fields()).isEqualTo(Map.of("name", "Ada", "age", 37));
    assertThat(updated.modifiedAt()).isEqualTo(T0.plusSeconds(60));
    assertThat(updated.createdAt()).isEqualTo(t.createdAt());
    assertThat(store.get(type, t.id())).contains(updated);
  }

  @Test
  void updateNeverCreates() {
    assertThatThrownBy(() -> store.update(type, "ghost", Map.of("a", 1), T0)).isInstanceOf(ThingNotFoundException.class);
    assertThat(store.get(type, "ghost")).isEmpty();
  }

  @Test
  void deleteSaysWhetherThereWasAThing() {
    Thing t = create(Map.of("name", "Ada"));
    assertThat(store.delete(type, t.id())).isTrue();
    assertThat(store.delete(type, t.id())).isFalse();
    assertThat(store.get(type, t.id())).isEmpty();
  }

  @Test
  void numbersKeepOneRepresentation() {
    Thing t = create(Map.of("int", 3, "big", 12345678901L, "dec", new BigDecimal("2.5")));
    assertThat(store.get(type, t.id()).orElseThrow().fields())
        .isEqualTo(Map.of("int", 3, "big", 12345678901L, "dec", new BigDecimal("2.5")));
  }

  /** The edges of what {@link dev.backendworkflows.definition.Values#checkStorable} lets through: each comes back exactly as it went in. */
  @Test
  void edgeValuesComeBackExactly() {
    Object deep = "bottom";
    for (int i = 0; i < dev.backendworkflows.definition.Values.MAX_NESTING; i++) {
      deep = i % 2 == 0 ? List.of(deep) : Map.of("k", deep);
    }
    Map<String, Object> edges = new java.util.LinkedHashMap<>();
    edges.put("digits38", new BigDecimal("12345678901234567890123456789012345678"));
    edges.put("largest", new BigDecimal("9.9999999999999999999999999999999999999E+125"));
    edges.put("smallest", new BigDecimal("1E-130"));
    edges.put("negative_small", new BigDecimal("-1E-130"));
    edges.put("long_min", Long.MIN_VALUE);
    edges.put("zero", 0);
    edges.put("fraction", new BigDecimal("0.1"));
    edges.put("empty_text", "");
    edges.put("astral", "\uD83D\uDE00 emoji, \u00e9, \u4e2d");
    edges.put("empty_list", List.of());
    edges.put("empty_object", Map.of());
    edges.put("mixed", List.of(true, false, "x", 1, Map.of("\u00fc", List.of())));
    edges.put("deep", deep);
    List<dev.backendworkflows.runlog.ErrorInfo.FieldError> errors = new ArrayList<>();
    edges.forEach((field, value) -> dev.backendworkflows.definition.Values.checkStorable(value, field, errors)); // as writes check them
    assertThat(errors).as("all storable").isEmpty();

    Thing t = create(edges);

    Map<String, Object> back = store.get(type, t.id()).orElseThrow().fields();
    edges.forEach((k, v) -> assertThat(back.get(k)).as(k).isEqualTo(dev.backendworkflows.definition.Values.plain(v))); // one form per number
  }

  @Test
  void countIsExactWithSearchSemanticsAndSaysWhatItRead() {
    for (int i = 0; i < 25; i++) {
      create(i % 5 == 0 ? Map.of("n", i) : Map.of("n", i, "name", i % 2 == 0 ? "even" : "odd"));
    }
    store.create(new Thing(type + "x", "other", Map.of("n", 1), T0, T0));
    for (List<Constraint> constraints : List.of(List.<Constraint>of(), List.of(new Constraint("name", Op.EQ, "even")),
        List.of(new Constraint("name", Op.NE, "even")), List.of(new Constraint("n", Op.GTE, 10), new Constraint("name", Op.EQ, "odd")),
        List.of(new Constraint("n", Op.LT, "text")), List.of(new Constraint("name", Op.EQ, null)))) {
      ThingCount c = store.count(type, constraints);
      assertThat(c.count()).as(constraints.toString()).isEqualTo(search(constraints).size());
      assertThat(c.read()).as("read, " + constraints).isLessThanOrEqualTo(25);
    }
    assertThat(store.count(type, List.of()).read()).as("every thing of the type, no other").isEqualTo(25);
    assertThat(store.count(type + "none", List.of())).isEqualTo(new ThingCount(0, 0));
  }

  @Test
  void equalityAndRangeConstraints() {
    create(Map.of("name", "a", "age", 10));
    Thing b = create(Map.of("name", "b", "age", 20));
    Thing c = create(Map.of("name", "c", "age", 30));
    assertThat(search(List.of(new Constraint("name", Op.EQ, "b")))).containsExactly(b);
    assertThat(search(List.of(new Constraint("age", Op.GTE, 20)))).containsExactly(b, c);
    assertThat(search(List.of(new Constraint("age", Op.GT, 10), new Constraint("age", Op.LT, new BigDecimal("25.5"))))).containsExactly(b);
    assertThat(search(List.of(new Constraint("age", Op.LTE, 10)))).extracting(t -> t.fields().get("name")).containsExactly("a");
  }

  @Test
  void datesCompareAsIsoText() {
    create(Map.of("seen", "2026-01-01T00:00:00Z"));
    Thing recent = create(Map.of("seen", "2026-02-15T12:00:00Z"));
    assertThat(search(List.of(new Constraint("seen", Op.GT, "2026-02-01T00:00:00Z")))).containsExactly(recent);
  }

  @Test
  void notEqualMatchesThingsWithoutTheField() {
    Thing without = create(Map.of("name", "x"));
    create(Map.of("name", "y", "status", "done"));
    Thing other = create(Map.of("name", "z", "status", "open"));
    assertThat(search(List.of(new Constraint("status", Op.NE, "done")))).containsExactly(without, other);
  }

  @Test
  void differentKindsNeverCompare() {
    Thing numeric = create(Map.of("v", 5));
    create(Map.of("v", "5"));
    Thing flag = create(Map.of("v", true));
    assertThat(search(List.of(new Constraint("v", Op.EQ, 5)))).containsExactly(numeric);
    assertThat(search(List.of(new Constraint("v", Op.GT, 1)))).containsExactly(numeric);
    assertThat(search(List.of(new Constraint("v", Op.EQ, true)))).containsExactly(flag);
    assertThat(search(List.of(new Constraint("v", Op.LT, true)))).isEmpty();
    assertThat(search(List.of(new Constraint("missing", Op.EQ, null)))).isEmpty();
  }

  @Test
  void unsortedSearchPagesInCreationOrderVisitingEachOnce() {
    List<Thing> created = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      created.add(create(Map.of("i", i, "even", i % 2 == 0)));
    }
    List<Thing> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      ThingPage page = store.search(new ThingQuery(type, List.of(new Constraint("even", Op.EQ, true)), null, false, 5, cursor));
      seen.addAll(page.things());
      cursor = page.cursor();
      pages++;
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(created.stream().filter(t -> (Boolean) t.fields().get("even")).toList());
    assertThat(pages).isEqualTo(3);
  }

  @Test
  void sortedSearchOrdersByFieldWithMissingLastAndPages() {
    Thing mid = create(Map.of("score", 50));
    Thing none = create(Map.of("other", 1));
    Thing high = create(Map.of("score", 90));
    Thing low = create(Map.of("score", 10));
    ThingPage first = store.search(new ThingQuery(type, List.of(), "score", true, 2, null));
    assertThat(first.things()).containsExactly(high, mid);
    ThingPage second = store.search(new ThingQuery(type, List.of(), "score", true, 2, first.cursor()));
    assertThat(second.things()).containsExactly(low, none);
    assertThat(second.cursor()).isNull();
    assertThat(store.search(new ThingQuery(type, List.of(), "score", false, 10, null)).things()).containsExactly(low, mid, high, none);
  }

  @Test
  void foreignCursorIsRejected() {
    assertThatThrownBy(() -> store.search(new ThingQuery(type, List.of(), null, false, 5, "not-a-cursor")))
        .isInstanceOf(InvalidCursorException.class);
  }

  @Test
  void typesAreSeparate() {
    create(Map.of("name", "mine"));
    String otherType = type + "x";
    Instant at = T0;
    store.create(new Thing(otherType, Ids.newId(at), Map.of("name", "theirs"), at, at));
    assertThat(search(List.of())).extracting(t -> t.fields().get("name")).containsExactly("mine");
  }

  /**
   * Why this store's engine cannot be held to serialised conditional writes, if it cannot. DynamoDB
   * serialises them; an emulator may not.
   */
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return java.util.Optional.empty();
  }

  private String claim(String name) {
    return "test#" + type + "#" + name;
  }

  private ThingWrite.Change add(String id, String field, String amount) {
    return new ThingWrite.Change(type, id, Map.of(), Map.of(field, new BigDecimal(amount)), null, T0);
  }

  @Test
  void everyChangeAddsOneToTheVersion() {
    Thing t = create(Map.of("name", "Ada"));
    assertThat(store.get(type, t.id()).orElseThrow().version()).isEqualTo(1);
    assertThat(store.update(type, t.id(), Map.of("name", "Bo"), T0).version()).isEqualTo(2);
    assertThat(store.write(List.of(add(t.id(), "n", "1")))).isEqualTo(-1);
    assertThat(store.get(type, t.id()).orElseThrow().version()).isEqualTo(3);
    assertThat(store.get(type, t.id()).orElseThrow().view()).containsEntry("_version", 3L);
  }

  @Test
  void write_whenAtAnotherVersion_changesNothing() {
    Thing t = create(Map.of("name", "Ada"));
    store.update(type, t.id(), Map.of("name", "Bo"), T0);
    assertThat(store.write(List.of(new ThingWrite.Change(type, t.id(), Map.of("name", "Cy"), Map.of(), 1L, T0)))).isZero();
    assertThat(store.write(List.of(new ThingWrite.Remove(type, t.id(), 1L)))).isZero();
    assertThat(store.get(type, t.id()).orElseThrow().fields()).containsEntry("name", "Bo");
    assertThat(store.write(List.of(new ThingWrite.Change(type, t.id(), Map.of("name", "Cy"), Map.of(), 2L, T0)))).isEqualTo(-1);
    assertThat(store.get(type, t.id()).orElseThrow()).extracting(x -> x.fields().get("name"), Thing::version).containsExactly("Cy", 3L);
    assertThat(store.write(List.of(new ThingWrite.Remove(type, t.id(), 3L)))).isEqualTo(-1);
    assertThat(store.get(type, t.id())).isEmpty();
  }

  @Test
  void write_addsNumbersExactlyFromZeroAndNeverToText() {
    Thing t = create(Map.of("name", "Ada", "balance", new BigDecimal("0.1")));
    for (int i = 0; i < 2; i++) {
      assertThat(store.write(List.of(add(t.id(), "balance", "0.1")))).isEqualTo(-1);
    }
    assertThat(store.write(List.of(add(t.id(), "visits", "12345678901234567890123456789012")))).isEqualTo(-1);
    assertThat(store.write(List.of(add(t.id(), "name", "1")))).as("adding to text").isZero();
    assertThat(store.write(List.of(add("ghost", "n", "1")))).as("adding to no thing").isZero();
    assertThat(store.get(type, "ghost")).isEmpty();
    assertThat(store.get(type, t.id()).orElseThrow().fields()).containsEntry("balance", new BigDecimal("0.3"))
        .containsEntry("visits", new BigDecimal("12345678901234567890123456789012")).containsEntry("name", "Ada");
  }

  @Test
  void write_isAllOrNothing() {
    Thing taken = create(Map.of("name", "Ada"));
    assertThat(store.write(List.of(new ThingWrite.Claim(claim("a"), taken.id(), 0)))).isEqualTo(-1);
    Thing fresh = thing(Map.of("name", "Bo"));
    assertThat(store.write(List.of(new ThingWrite.Put(fresh), new ThingWrite.Claim(claim("b"), fresh.id(), 0),
        new ThingWrite.Claim(claim("a"), fresh.id(), 0)))).as("the third write's claim is taken").isEqualTo(2);
    assertThat(store.get(type, fresh.id())).isEmpty();
    assertThat(store.claimOwner(claim("b"))).isEmpty();
    assertThat(store.write(List.of(new ThingWrite.Put(taken)))).as("a put never overwrites").isZero();
    assertThat(store.write(List.of(new ThingWrite.Put(fresh), new ThingWrite.Claim(claim("b"), fresh.id(), 0)))).isEqualTo(-1);
    assertThat(store.get(type, fresh.id()).orElseThrow().fields()).containsEntry("name", "Bo");
    assertThat(search(List.of())).as("claims are not things").extracting(Thing::id).containsExactly(taken.id(), fresh.id());
  }

  @Test
  void claimsAreHeldByOneOwnerAndReleasedOnlyByIt() {
    assertThat(store.claimOwner(claim("c"))).isEmpty();
    assertThat(store.write(List.of(new ThingWrite.Claim(claim("c"), "one", 0)))).isEqualTo(-1);
    assertThat(store.write(List.of(new ThingWrite.Claim(claim("c"), "one", 0)))).as("held, even by the same owner").isZero();
    assertThat(store.claimOwner(claim("c"))).contains("one");
    assertThat(store.write(List.of(new ThingWrite.Release(claim("c"), "two")))).as("not its owner").isZero();
    assertThat(store.write(List.of(new ThingWrite.Release(claim("c"), "one")))).isEqualTo(-1);
    assertThat(store.claimOwner(claim("c"))).isEmpty();
    assertThat(store.write(List.of(new ThingWrite.Release(claim("c"), "one")))).as("releasing what nobody holds").isEqualTo(-1);
    assertThat(store.write(List.of(new ThingWrite.Claim(claim("c"), "two", T0.getEpochSecond() + 60)))).isEqualTo(-1);
    assertThat(store.claimOwner(claim("c"))).contains("two");
  }

  @Test
  void ofTwentyConcurrentCreatesClaimingOneValueOneWins() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    int writers = 20;
    List<Thing> candidates = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      candidates.add(thing(Map.of("email", "ada@example.com", "n", i)));
    }
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<Integer>> results = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
      for (Thing t : candidates) {
        results.add(pool.submit(() -> {
          go.await();
          return store.write(List.of(new ThingWrite.Put(t), new ThingWrite.Claim(claim("email"), t.id(), 0)));
        }));
      }
      go.countDown();
      int won = 0;
      for (var r : results) {
        won += r.get() < 0 ? 1 : 0;
      }
      assertThat(won).isEqualTo(1);
    }
    List<Thing> stored = search(List.of());
    assertThat(stored).hasSize(1);
    assertThat(store.claimOwner(claim("email"))).contains(stored.getFirst().id());
  }

  @Test
  void eightWritersAddingAHundredTimesEachLoseNothing() throws Exception {
    java.util.Optional<String> reason = concurrentWritesNotSerialisedBecause();
    org.junit.jupiter.api.Assumptions.assumeTrue(reason.isEmpty(), reason.orElse(""));
    Thing counter = create(Map.of("name", "counter"));
    int writers = 8;
    int each = 100;
    java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
    List<java.util.concurrent.Future<?>> results = new ArrayList<>();
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(writers)) {
      for (int w = 0; w < writers; w++) {
        int writer = w;
        results.add(pool.submit(() -> {
          go.await();
          for (int i = 0; i < each; i++) { // as the engine increments: the change and its once-only receipt in one transaction
            assertThat(store.write(List.of(new ThingWrite.Claim(claim("receipt-" + writer + "-" + i), counter.id(), 0),
                add(counter.id(), "count", "1")))).isEqualTo(-1);
          }
          return null;
        }));
      }
      go.countDown();
      for (var r : results) {
        r.get();
      }
    }
    Thing end = store.get(type, counter.id()).orElseThrow();
    assertThat(end.fields()).containsEntry("count", writers * each);
    assertThat(end.version()).isEqualTo(1 + writers * each);
  }

  /** Creates a thing listed under the index of its {@code status}, as the engine writes an indexed field. */
  private Thing createListed(String status, int n) {
    Thing t = thing(Map.of("status", status, "n", n));
    assertThat(store.write(List.of(new ThingWrite.Put(t), new ThingWrite.AddToIndex(Indexes.key(type, "status", status), t.id()))))
        .isEqualTo(-1);
    return t;
  }

  private ThingQuery byStatus(String status, int limit, String cursor) {
    return new ThingQuery(type, List.of(new Constraint("status", Op.EQ, status)), null, false, limit, cursor,
        Indexes.key(type, "status", status));
  }

  @Test
  void search_withIndex_pagesWhatTheScanFindsInCreationOrder() {
    List<Thing> paid = new ArrayList<>();
    for (int i = 0; i < 23; i++) {
      Thing t = createListed(i % 3 == 0 ? "paid" : "open", i);
      if (i % 3 == 0) {
        paid.add(t);
      }
    }
    List<Thing> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      ThingPage page = store.search(byStatus("paid", 3, cursor));
      seen.addAll(page.things());
      cursor = page.cursor();
      pages++;
    } while (cursor != null);
    assertThat(seen).containsExactlyElementsOf(paid);
    assertThat(pages).isEqualTo(3);
    assertThat(search(List.of(new Constraint("status", Op.EQ, "paid")))).containsExactlyElementsOf(paid);
    // a cursor of the scan goes on in the indexed search, and the other way round: both are "after this id"
    String scanCursor = store.search(new ThingQuery(type, List.of(new Constraint("status", Op.EQ, "paid")), null, false, 2, null)).cursor();
    assertThat(store.search(byStatus("paid", 100, scanCursor)).things()).containsExactlyElementsOf(paid.subList(2, paid.size()));
  }

  @Test
  void search_withIndex_passesOverListingsWhoseThingIsGoneOrChanged() {
    Thing kept = createListed("paid", 1);
    Thing deleted = createListed("paid", 2);
    Thing changed = createListed("paid", 3);
    assertThat(store.delete(type, deleted.id())).isTrue();
    store.update(type, changed.id(), Map.of("status", "refunded"), T0); // its listing under paid left behind
    assertThat(store.search(byStatus("paid", 10, null)).things()).extracting(Thing::id).containsExactly(kept.id());
    assertThat(store.count(type, List.of(new Constraint("status", Op.EQ, "paid")), Indexes.key(type, "status", "paid")))
        .isEqualTo(new ThingCount(1, 2));
  }

  @Test
  void count_withIndex_readsOnlyTheListedThings() {
    for (int i = 0; i < 12; i++) {
      createListed(i < 4 ? "paid" : "open", i);
    }
    List<Constraint> paidOver1 = List.of(new Constraint("status", Op.EQ, "paid"), new Constraint("n", Op.GT, 1));
    assertThat(store.count(type, paidOver1, Indexes.key(type, "status", "paid"))).isEqualTo(new ThingCount(2, 4));
    assertThat(store.count(type, paidOver1)).isEqualTo(new ThingCount(2, 12));
  }

  @Test
  void removeFromIndex_unlistsAndSortedSearchUsesTheIndexToo() {
    Thing a = createListed("paid", 5);
    Thing b = createListed("paid", 1);
    Thing c = createListed("paid", 3);
    assertThat(store.search(new ThingQuery(type, List.of(new Constraint("status", Op.EQ, "paid")), "n", false, 10, null,
        Indexes.key(type, "status", "paid"))).things()).containsExactly(b, c, a);
    assertThat(store.write(List.of(new ThingWrite.RemoveFromIndex(Indexes.key(type, "status", "paid"), c.id())))).isEqualTo(-1);
    assertThat(store.search(byStatus("paid", 10, null)).things()).containsExactly(a, b);
    assertThat(store.search(byStatus("open", 10, null)).things()).isEmpty();
  }

  @Test
  void unsortedSearch_ofManyThings_comesInCreationOrderAcrossPagesOfEverySize() {
    List<Thing> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(create(Map.of("n", i)));
    }
    for (int limit : List.of(1, 7, 40, 100)) {
      List<Thing> seen = new ArrayList<>();
      String cursor = null;
      do {
        ThingPage page = store.search(new ThingQuery(type, List.of(), null, false, limit, cursor));
        seen.addAll(page.things());
        cursor = page.cursor();
      } while (cursor != null);
      assertThat(seen).as("pages of %d", limit).containsExactlyElementsOf(all);
    }
    assertThat(store.count(type, List.of(new Constraint("n", Op.GTE, 20)))).isEqualTo(new ThingCount(20, 40));
  }
}
