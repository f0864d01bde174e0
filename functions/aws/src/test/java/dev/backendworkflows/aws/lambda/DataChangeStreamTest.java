package dev.backendworkflows.aws.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.dynamodb.StreamRecords;
import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.datachange.ChangeTriggers;
import dev.backendworkflows.testutils.ChangeFixtures;
import dev.backendworkflows.datachange.ThingChange;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughputExceededException;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * data_change workflows on the AWS adapters: the Things table's stream records, read from the
 * emulator's DynamoDB Streams (or built as Lambda delivers them), handed to the workflow function's
 * handler as a DynamoDB event. A batch delivered twice, or retried after a record failed, has one
 * effect per change; only the record that failed (and so the records after it) are reported.
 */
class DataChangeStreamTest {
  /** Fails every PutItem of the runs of {@link #failing}, as a throttled DynamoDB would, until cleared. */
  private static final class RunWriteFault implements ExecutionInterceptor {
    final Set<String> failing = ConcurrentHashMap.newKeySet();
    final AtomicInteger failed = new AtomicInteger();

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
      if (context.request() instanceof PutItemRequest put && put.item().containsKey("run_id")
          && failing.contains(put.item().get("run_id").s())) {
        failed.incrementAndGet();
        throw ProvisionedThroughputExceededException.builder().message("injected: the runs table is throttled")
            .awsErrorDetails(software.amazon.awssdk.awscore.exception.AwsErrorDetails.builder()
                .errorCode("ProvisionedThroughputExceededException").serviceName("DynamoDb").build()).build();
      }
    }
  }

  private final RunWriteFault fault = new RunWriteFault();
  private final Workflows workflows = ChangeFixtures.workflows("order-paid.yaml", ChangeFixtures.PAID,
      "set-status.yaml", ChangeFixtures.SET_STATUS, "bump.yaml", ChangeFixtures.BUMP, "start.yaml", ChangeFixtures.START);

  private record Deployed(Fixtures.Stack stack, WorkflowFunctionHandler handler, DynamoDbClient client, String thingsTable) {}

  /** The engine on the DynamoDB adapters over fresh tables (streams on), and the handler a workflow function runs. */
  private Deployed deploy() {
    DynamoDbClient client = Emulator.dynamoDb(fault);
    var tables = Emulator.freshTablesWithStream(client);
    Fixtures.Stack stack = new Fixtures.Stack(workflows, MutableClock.at("2026-03-01T09:00:00Z"), clock -> new Fixtures.Stores(
        new dev.backendworkflows.aws.dynamodb.DynamoDbThingStore(client, tables.things()),
        new dev.backendworkflows.aws.dynamodb.DynamoDbRunLog(client, tables.runs(), clock),
        new dev.backendworkflows.aws.dynamodb.DynamoDbScheduleStore(client, tables.schedules()),
        new dev.backendworkflows.aws.dynamodb.DynamoDbIdempotencyStore(client, tables.runs())));
    WorkflowFunctionHandler handler = new WorkflowFunctionHandler(new HttpApi(stack.engine, stack.runs, stack.keys,
        new HttpApi.Routes.All()), stack.deliveries);
    return new Deployed(stack, handler, client, tables.things());
  }

  /** Reads the emulator's stream of a table from its start, remembering where each shard was left. */
  private static final class StreamReader {
    private final DynamoDbStreamsClient streams = DynamoDbStreamsClient.builder().endpointOverride(URI.create(Emulator.endpoint()))
        .region(Region.US_EAST_1).httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
    private final String arn;
    private final Map<String, String> iterators = new LinkedHashMap<>();

    StreamReader(DynamoDbClient client, String table) {
      arn = client.describeTable(b -> b.tableName(table)).table().latestStreamArn();
    }

    /** The records written since the last call, as Lambda's DynamoDB event carries them. */
    List<Map<String, Object>> next() {
      for (var shard : streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards()) {
        iterators.computeIfAbsent(shard.shardId(), id -> streams.getShardIterator(b -> b.streamArn(arn).shardId(id)
            .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator());
      }
      List<Map<String, Object>> out = new ArrayList<>();
      for (var e : iterators.entrySet()) {
        var page = streams.getRecords(b -> b.shardIterator(e.getValue()));
        page.records().forEach(r -> out.add(lambdaShape(r)));
        if (page.nextShardIterator() != null) {
          e.setValue(page.nextShardIterator());
        }
      }
      return out;
    }

    private Map<String, Object> lambdaShape(software.amazon.awssdk.services.dynamodb.model.Record r) {
      var s = r.dynamodb();
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ApproximateCreationDateTime", s.approximateCreationDateTime() == null ? Instant.now().getEpochSecond()
          : s.approximateCreationDateTime().getEpochSecond());
      d.put("Keys", StreamRecords.json(s.keys()));
      if (s.hasNewImage() && !s.newImage().isEmpty()) {
        d.put("NewImage", StreamRecords.json(s.newImage()));
      }
      if (s.hasOldImage() && !s.oldImage().isEmpty()) {
        d.put("OldImage", StreamRecords.json(s.oldImage()));
      }
      d.put("SequenceNumber", s.sequenceNumber());
      d.put("StreamViewType", "NEW_AND_OLD_IMAGES");
      return Map.of("eventID", r.eventID(), "eventName", r.eventNameAsString(), "eventSource", "aws:dynamodb", "dynamodb", d,
          "eventSourceARN", arn);
    }
  }

  private static JsonNode handle(WorkflowFunctionHandler handler, List<Map<String, Object>> records) {
    return HandlerCalls.invoke(handler, Json.write(Map.of("Records", records)));
  }

  private static List<RunRecord> runs(Fixtures.Stack stack, String workflow) {
    return stack.runs.query(new RunQuery(workflow, null, 100, null)).runs();
  }

  private static List<String> notes(Fixtures.Stack stack) {
    return stack.things.search(new ThingQuery("note", List.of(), null, false, 100, null)).things().stream()
        .map(t -> (String) t.fields().get("text")).toList();
  }

  @Test
  void recordsOfTheEmulatorsStreamRunTheWorkflowOncePerChangeWithOldAndNew() {
    Deployed d = deploy();
    StreamReader stream = new StreamReader(d.client(), d.thingsTable());
    Instant now = d.stack().clock.instant();
    d.stack().things.create(new Thing("order", "o1", Map.of("status", "pending", "amount_cents", 4200), now, now));
    d.stack().engine.run(new RunRequest("set-status", Map.of("id", "o1", "amount_cents", 4300), "api", "test")); // no status change
    d.stack().engine.run(new RunRequest("set-status", Map.of("id", "o1", "status", "paid"), "api", "test"));
    List<Map<String, Object>> batch = stream.next().stream().filter(r -> Json.write(r).contains("order#")).toList();
    assertThat(batch).extracting(r -> r.get("eventName")).containsExactly("INSERT", "MODIFY", "MODIFY");

    JsonNode first = handle(d.handler(), batch);
    JsonNode again = handle(d.handler(), batch); // the same batch delivered again

    assertThat(first.path("batchItemFailures")).isEmpty();
    assertThat(again.path("batchItemFailures")).isEmpty();
    assertThat(runs(d.stack(), "order-paid")).singleElement().satisfies(r -> {
      assertThat(r.status()).isEqualTo(RunStatus.SUCCEEDED);
      assertThat(r.trigger()).isEqualTo("data_change");
    });
    assertThat(notes(d.stack())).containsExactly("pending->paid o1 changed");
  }

  @Test
  void aLoopOfTriggersThroughTheStreamStopsAtItsGuard() {
    Deployed d = deploy();
    StreamReader stream = new StreamReader(d.client(), d.thingsTable());
    Instant now = d.stack().clock.instant();
    d.stack().things.create(new Thing("counter", "c1", Map.of("n", 0), now, now));
    d.stack().engine.run(new RunRequest("start", Map.of("id", "c1"), "api", "test"));

    // the function is invoked with what the stream shows, until a change triggers nothing more
    for (int round = 0; round < 20; round++) {
      List<Map<String, Object>> batch = stream.next();
      if (batch.isEmpty()) {
        break;
      }
      assertThat(handle(d.handler(), batch).path("batchItemFailures")).isEmpty();
    }

    List<RunRecord> bumps = runs(d.stack(), "bump");
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.SUCCEEDED).hasSize(ChangeTriggers.MAX_DEPTH);
    assertThat(bumps).filteredOn(r -> r.status() == RunStatus.REJECTED).singleElement()
        .satisfies(r -> assertThat(r.error().code()).isEqualTo(ChangeTriggers.DEPTH_EXCEEDED));
    assertThat(((Number) d.stack().things.get("counter", "c1").orElseThrow().fields().get("n")).intValue())
        .isEqualTo(1 + ChangeTriggers.MAX_DEPTH);
  }

  @Test
  void aRecordWhoseRunCannotBeRecordedIsTheOnlyFailureAndTheRetriedBatchHasOneEffectPerChange() {
    Deployed d = deploy();
    Instant now = d.stack().clock.instant();
    List<Map<String, Object>> batch = new ArrayList<>();
    List<String> runIds = new ArrayList<>();
    var paid = d.stack().engine.workflows().get("order-paid").orElseThrow();
    for (int i = 1; i <= 3; i++) {
      Thing before = new Thing("order", "o" + i, Map.of("status", "pending"), now, now, 1);
      Thing after = new Thing("order", "o" + i, Map.of("status", "paid"), now, now, 2);
      String sequence = "1000000000000000000" + i;
      batch.add(StreamRecords.record(sequence, before, after, 0, now));
      runIds.add(ChangeTriggers.runId(paid, ThingChange.of(sequence, before, after, 0, Instant.ofEpochSecond(now.getEpochSecond()))));
    }
    fault.failing.add(runIds.get(1));

    JsonNode partial = handle(d.handler(), batch);

    assertThat(fault.failed.get()).isPositive();
    assertThat(partial.path("batchItemFailures").findValuesAsText("itemIdentifier")).containsExactly("10000000000000000002");
    assertThat(runs(d.stack(), "order-paid")).extracting(RunRecord::runId).containsExactly(runIds.get(0));

    fault.failing.clear();
    // Lambda retries from the failed record on, and (bisecting, or after a timeout) may send the whole batch again
    assertThat(handle(d.handler(), batch.subList(1, 3)).path("batchItemFailures")).isEmpty();
    assertThat(handle(d.handler(), batch).path("batchItemFailures")).isEmpty();

    assertThat(runs(d.stack(), "order-paid")).extracting(RunRecord::runId).containsExactlyInAnyOrderElementsOf(runIds);
    assertThat(notes(d.stack())).containsExactlyInAnyOrder("pending->paid o1 changed", "pending->paid o2 changed",
        "pending->paid o3 changed");
  }

  @Test
  void recordsAreNotStartedSoCloseToTheDeadlineThatTheBatchWouldTimeOut() {
    Instant at = Instant.parse("2026-03-01T09:00:00Z");
    Thing before = new Thing("order", "o1", Map.of("status", "pending"), at, at, 1);
    Thing after = new Thing("order", "o1", Map.of("status", "paid"), at, at, 2);
    Fixtures.Stack local = new Fixtures.Stack(workflows);
    DataChangeBatches batches = new DataChangeBatches(new ChangeTriggers(local.engine), "order-paid");

    Map<String, Object> answer = batches.handle(Json.tree(Json.write(Map.of("Records", List.of(
        StreamRecords.record("11", before, after, 0, at), StreamRecords.record("12", before, after, 0, at))))),
        new dev.backendworkflows.execution.Invocation("late", Instant.now().plusSeconds(5)));

    assertThat(answer).isEqualTo(Map.of("batchItemFailures", List.of(Map.of("itemIdentifier", "11"))));
    assertThat(runs(local, "order-paid")).as("nothing started").isEmpty();
    assertThat(batches.handle(Json.tree(Json.write(Map.of("Records", List.of(StreamRecords.record("11", before, after, 0, at))))),
        new dev.backendworkflows.execution.Invocation("early", Instant.now().plusSeconds(60))))
        .isEqualTo(Map.of("batchItemFailures", List.of()));
    assertThat(runs(local, "order-paid")).hasSize(1);
  }

  @Test
  void aStreamWithoutOldImagesIsRefusedByName() {
    Instant at = Instant.parse("2026-03-01T09:00:00Z");
    Map<String, Object> record = new LinkedHashMap<>(StreamRecords.record("7", new Thing("order", "o1", Map.of(), at, at, 1),
        new Thing("order", "o1", Map.of("status", "paid"), at, at, 2), 0, at));
    @SuppressWarnings("unchecked")
    Map<String, Object> d = (Map<String, Object>) record.get("dynamodb");
    d.remove("OldImage");
    d.put("StreamViewType", "NEW_IMAGE");

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> StreamRecords.change(Json.tree(Json.write(record))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(StreamViewType NEW_AND_OLD_IMAGES), not NEW_IMAGE");
  }

  @Test
  void aDeleteCarriesTheDepthOfTheThingsLastWrite() {
    Instant at = Instant.parse("2026-03-01T09:00:00Z");
    Thing before = new Thing("order", "o1", Map.of("status", "paid"), at, at, 3);

    ThingChange deleted = StreamRecords.change(Json.tree(Json.write(StreamRecords.record("9", before, 4, null, 0, at))));

    assertThat(deleted.event()).isEqualTo(dev.backendworkflows.definition.Trigger.ChangeEvent.DELETED);
    assertThat(deleted.depth()).isEqualTo(4);
    assertThat(deleted.before()).isEqualTo(before);
  }

  @Test
  void aStreamRecordReadsBackAsTheChangeTheStoreMade() {
    Instant at = Instant.parse("2026-03-01T09:00:00Z");
    Thing before = new Thing("order", "o1", Map.of("status", "pending", "amount_cents", 4200, "tags", List.of("a")), at, at, 3);
    Thing after = new Thing("order", "o1", Map.of("status", "paid", "amount_cents", 4200, "tags", List.of("a")), at, at.plusSeconds(5), 4);

    ThingChange change = StreamRecords.change(Json.tree(Json.write(StreamRecords.record("42", before, after, 2, at))));

    assertThat(change).isEqualTo(new ThingChange("42", dev.backendworkflows.definition.Trigger.ChangeEvent.CHANGED, "order", "o1",
        before, after, 2, at));
    Map<String, Object> claim = new LinkedHashMap<>(StreamRecords.record("43", null, after, 0, at));
    @SuppressWarnings("unchecked")
    Map<String, Object> image = new LinkedHashMap<>((Map<String, Object>) ((Map<String, Object>) claim.get("dynamodb")).get("NewImage"));
    image.put("kind", StreamRecords.json(AttributeValue.fromS("claim")));
    ((Map<String, Object>) claim.get("dynamodb")).put("NewImage", image);
    assertThat(StreamRecords.change(Json.tree(Json.write(claim)))).as("a claim's record is not a change of a thing").isNull();
  }
}
