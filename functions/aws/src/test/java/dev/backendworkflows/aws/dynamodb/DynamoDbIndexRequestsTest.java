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

  /** Requests of an indexed search, an indexed count and a scan, over 3 paid orders among {@code others} open ones. */
  private static List<Integer> requests(int others) {
    AtomicInteger requests = new AtomicInteger();
    DynamoDbThingStore store = new DynamoDbThingStore(Emulator.dynamoDb(new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.incrementAndGet();
      }
    }), Emulator.sharedTables().things());
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
  void indexedLookupCostsTheSameRequestsAmongTwentyThingsAndAmongFourHundred() {
    List<Integer> small = requests(20);
    List<Integer> large = requests(400);
    assertThat(small.subList(0, 2)).containsExactly(2, 2); // the index's entries, then one batch get of their things
    assertThat(large.subList(0, 2)).containsExactly(2, 2);
    assertThat(small.get(2)).as("a scan queries every shard").isGreaterThanOrEqualTo(DynamoDbThingStore.SHARDS);
    assertThat(large.get(2)).as("and grows with the type").isGreaterThan(small.get(2));
  }
}
