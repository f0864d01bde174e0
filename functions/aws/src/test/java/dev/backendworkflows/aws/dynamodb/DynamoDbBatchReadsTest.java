package dev.backendworkflows.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.schedule.Batches;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** What reading a batch job's progress costs on DynamoDB: the same number of requests whatever the job's size. */
class DynamoDbBatchReadsTest {
  /** DynamoDB requests of one GET /batches/{id}, for a job of {@code items} items that all failed. */
  private static int requestsToReadProgress(int items) {
    AtomicInteger requests = new AtomicInteger();
    DynamoDbClient counted = Emulator.dynamoDb(new ExecutionInterceptor() {
      @Override
      public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        requests.incrementAndGet();
      }
    });
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("fail-one.yaml", Fixtures.FAIL_ONE), MutableClock.at("2026-03-01T09:00:00Z"),
        Emulator.stores(counted));
    Batches batches = new Batches(s.services, s.engine.workflows());
    batches.start("job", "fail-one", new ArrayList<>(IntStream.range(0, items).boxed().toList()), "n", Map.of(), 100, null, null, "t");
    s.fireDue();
    assertThat(batches.get("job").failed()).isEqualTo(items);
    int before = requests.get();
    Batches.Progress p = batches.progress("job", 20);
    assertThat(p.failures()).hasSize(Math.min(items, 20));
    assertThat(p.moreFailures()).isEqualTo(items > 20);
    return requests.get() - before;
  }

  @Test
  void progressCostsTheSameRequestsForTwentyItemsAndForTwoHundredFifty() {
    List<Integer> costs = List.of(requestsToReadProgress(20), requestsToReadProgress(250));
    assertThat(costs).containsExactly(2, 2); // the job's record, and one page of its failures
  }
}
