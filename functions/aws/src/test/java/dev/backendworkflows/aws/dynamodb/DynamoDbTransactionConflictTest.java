package dev.backendworkflows.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.exceptions.WriteContendedException;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.Batches;
import dev.backendworkflows.schedule.ScheduleWrite;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Transactions that DynamoDB cancels because another transaction held an item (TransactionConflict),
 * injected by an SDK interceptor before the request leaves the client — as DynamoDB does it, nothing
 * is applied. A write tries again with a fresh client token; a batch job under conflicts keeps exact
 * counts.
 */
class DynamoDbTransactionConflictTest {
  private static final Instant T0 = Instant.parse("2026-03-01T09:00:00Z");

  /** Cancels the TransactWriteItems calls whose number (from 0) {@code conflicts} accepts; records each call's token. */
  private static final class Conflicts implements ExecutionInterceptor {
    final List<String> tokens = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger cancelled = new AtomicInteger();
    volatile IntPredicate conflicts = n -> false;

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
      if (context.request() instanceof TransactWriteItemsRequest r) {
        int n;
        synchronized (tokens) {
          n = tokens.size();
          tokens.add(r.clientRequestToken());
        }
        if (conflicts.test(n)) {
          cancelled.incrementAndGet();
          throw TransactionCanceledException.builder().message("Transaction cancelled, please refer cancellation reasons")
              .statusCode(400).awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                  .errorCode("TransactionCanceledException").serviceName("DynamoDb").build())
              .cancellationReasons(r.transactItems().stream().map(i -> CancellationReason.builder()
                  .code(i == r.transactItems().getFirst() ? "TransactionConflict" : "None").build()).toList())
              .build();
        }
      }
    }
  }

  private final Conflicts conflicts = new Conflicts();
  private final DynamoDbClient client = Emulator.dynamoDb(conflicts);

  private static ScheduledRun run(String id) {
    return ScheduledRun.pending(id, "wf", Map.of("k", "v"), T0, "api", id, T0, 1);
  }

  private List<ScheduleWrite> twoCreates(DynamoDbScheduleStore store, String prefix) {
    return List.of(new ScheduleWrite.Create(run(prefix + "-a")), new ScheduleWrite.Create(run(prefix + "-b")));
  }

  @Test
  void write_whenCancelledByConflictsTwice_appliesOnceWithAFreshTokenPerTry() {
    DynamoDbScheduleStore store = new DynamoDbScheduleStore(client, Emulator.freshTables(client).schedules());
    conflicts.conflicts = n -> n < 2;

    assertThat(store.write(twoCreates(store, "twice"))).isTrue();

    assertThat(conflicts.cancelled.get()).isEqualTo(2);
    assertThat(conflicts.tokens).as("a token per try: a cancelled one is answered").hasSize(3).doesNotHaveDuplicates();
    assertThat(store.get("twice-a")).isPresent();
    assertThat(store.get("twice-b")).isPresent();
  }

  @Test
  void write_whenConflictsNeverEnd_failsAsContendedAndAppliesNothing() {
    DynamoDbScheduleStore store = new DynamoDbScheduleStore(client, Emulator.freshTables(client).schedules());
    conflicts.conflicts = n -> true;

    assertThatThrownBy(() -> store.write(twoCreates(store, "always"))).isInstanceOf(WriteContendedException.class)
        .hasMessageContaining("cancelled by competing ones " + Transactions.TRIES + " times");
    assertThat(conflicts.cancelled.get()).isEqualTo(Transactions.TRIES);

    assertThat(store.get("always-a")).isEmpty();
    assertThat(store.get("always-b")).isEmpty();
  }

  @Test
  void write_whenAConditionFailsBesideAConflict_isFalseNotRetried() {
    DynamoDbScheduleStore store = new DynamoDbScheduleStore(client, Emulator.freshTables(client).schedules());
    store.create(run("taken-a"));
    conflicts.conflicts = n -> n == 0;

    assertThat(store.write(twoCreates(store, "taken"))).isFalse();
    assertThat(store.get("taken-b")).isEmpty();
  }

  @Test
  void aBatchJobWhoseTransactionsConflictFinishesWithEveryItemOnceAndExactCounts() {
    Fixtures.Stack s = new Fixtures.Stack(Fixtures.workflows("record-one.yaml", Fixtures.RECORD_ONE), MutableClock.at(T0.toString()),
        Emulator.stores(client));
    conflicts.conflicts = n -> n % 3 == 1; // every third transaction is cancelled once
    Batches batches = new Batches(s.services, s.engine.workflows());
    batches.start("job", "record-one", new ArrayList<>(IntStream.range(0, 12).boxed().toList()), "n", Map.of(), 4, 100.0, null, "t");
    for (int i = 0; i < 10 && batches.get("job").status() != BatchJob.Status.DONE; i++) {
      s.advance(Duration.ofSeconds(1));
    }

    BatchJob end = batches.get("job");
    assertThat(conflicts.cancelled.get()).as("conflicts injected").isGreaterThan(5);
    assertThat(end.status()).isEqualTo(BatchJob.Status.DONE);
    assertThat(end.done()).isEqualTo(9);
    assertThat(end.failed()).isEqualTo(3);
    assertThat(s.things.search(new dev.backendworkflows.data.ThingQuery("note", List.of(), null, false, 100, null)).things())
        .as("each item's note created once").hasSize(9);
  }
}
