package dev.backendworkflows.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.internal.Ids;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;

/**
 * What an indexed lookup costs on DynamoDB, counted by an SDK interceptor: the same requests
 * whatever the size of the type, where a scan's grow with it.
 */
class DynamoDbIndexRequestsTest {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");

  /** A store on the shared table whose every request to DynamoDB adds one to {@code requests}. */
  private static DynamoDbThingStore countedStore(AtomicInteger requests) {
    return new DynamoDbThingStore(Emulator.dynamoDb(new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.incrementAndGet();
      }
    }), Emulator.sharedTables().things());
  }

  /** Requests of an indexed search, an indexed count and a scan, over 3 paid orders among {@code others} open ones. */
  private static List<Integer> requests(int others) {
    AtomicInteger requests = new AtomicInteger();
    DynamoDbThingStore store = countedStore(requests);
    String type = "t" + Ids.newId(Instant.now()).toLowerCase().substring(14);
    String paid = Indexes.key(type, "status", "paid");
    List<String> paidIds = new ArrayList<>();
    for (int i = 0; i < others + 3; i++) {
      Instant at = T0.plusMillis(i);
      boolean isPaid = i % (others / 3 + 1) == 0 && paidIds.size() < 3;
      Thing t = new Thing(type, Ids.newId(at), Map.of("status", isPaid ? "paid" : "open"), at, at);
      List<ThingWrite> writes = new ArrayList<>(List.of(new ThingWrite.Put(t)));
      if (isPaid) {
        writes.add(new ThingWrite.AddToIndex(paid, t.id()));
        paidIds.add(t.id());
      }
      assertThat(store.write(writes)).isEqualTo(-1);
    }
    List<Constraint> isPaid = List.of(new Constraint("status", Constraint.Op.EQ, "paid"));
    int before = requests.get();
    assertThat(store.search(new ThingQuery(type, isPaid, null, false, 10, null, paid)).things()).extracting(Thing::id)
        .containsExactlyElementsOf(paidIds);
    int search = requests.get() - before;
    before = requests.get();
    assertThat(store.count(type, isPaid, paid).count()).isEqualTo(3);
    int count = requests.get() - before;
    before = requests.get();
    assertThat(store.search(new ThingQuery(type, isPaid, null, false, 10, null)).things()).extracting(Thing::id)
        .containsExactlyElementsOf(paidIds);
    int scan = requests.get() - before;
    return List.of(search, count, scan);
  }

  @Test
  void indexedLookupCostsTheSameRequestsAmongTwentyThingsAndAmongTwoHundred() {
    List<Integer> small = requests(20);
    List<Integer> large = requests(200);
    assertThat(small.subList(0, 2)).containsExactly(2, 2); // the index's entries, then one batch get of their things
    assertThat(large.subList(0, 2)).containsExactly(2, 2);
    assertThat(small.get(2)).as("a scan queries every shard").isGreaterThanOrEqualTo(DynamoDbThingStore.SHARDS);
    assertThat(large.get(2)).isGreaterThanOrEqualTo(DynamoDbThingStore.SHARDS);
  }

  @Test
  void aPageOfAFullIndexReadsTheListingsOnceAndItsThingsInBatchesOfAHundred() {
    AtomicInteger requests = new AtomicInteger();
    DynamoDbThingStore store = countedStore(requests);
    String type = "t" + Ids.newId(Instant.now()).toLowerCase().substring(14);
    String paid = Indexes.key(type, "status", "paid");
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      Instant at = T0.plusMillis(i);
      Thing t = new Thing(type, Ids.newId(at), Map.of("status", "paid"), at, at);
      assertThat(store.write(List.of(new ThingWrite.Put(t), new ThingWrite.AddToIndex(paid, t.id())))).isEqualTo(-1);
      ids.add(t.id());
    }
    List<Constraint> isPaid = List.of(new Constraint("status", Constraint.Op.EQ, "paid"));
    int before = requests.get();
    var first = store.search(new ThingQuery(type, isPaid, null, false, 100, null, paid));
    assertThat(first.things()).extracting(Thing::id).containsExactlyElementsOf(ids.subList(0, 100));
    // one query of 101 listings; a batch get of 100 things and one of the 101st (to know there is more)
    assertThat(requests.get() - before).isEqualTo(3);
    before = requests.get();
    var rest = store.search(new ThingQuery(type, isPaid, null, false, 100, first.cursor(), paid));
    assertThat(rest.things()).extracting(Thing::id).containsExactlyElementsOf(ids.subList(100, 130));
    assertThat(rest.cursor()).isNull();
    assertThat(requests.get() - before).isEqualTo(2);
  }
}
