package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.exceptions.ScheduleConflictException;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.execution.Lease;
import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.RecurringEvent;
import dev.backendworkflows.schedule.SchedulePage;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.ScheduledRun;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * {@link ScheduleStore} on the Schedules table. A run's item is replaced whole, conditional on its
 * version, so of two concurrent writers exactly one wins. Every item says what it is in {@code kind}
 * ({@code run}, {@code chunk}, {@code item}, {@code recurring}, {@code batch}, {@code cancelled_chain}).
 */
public final class DynamoDbScheduleStore implements ScheduleStore {
  private final DynamoDbClient client;
  private final String table;

  public DynamoDbScheduleStore(DynamoDbClient client, String table) {
    this.client = client;
    this.table = table;
  }

  @Override
  public void create(ScheduledRun run) {
    try {
      client.putItem(b -> b.tableName(table).item(encode(run)).conditionExpression("attribute_not_exists(id)"));
    } catch (ConditionalCheckFailedException e) {
      throw new ScheduleConflictException(run.id());
    }
  }

  @Override
  public Optional<ScheduledRun> get(String id) {
    var item = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    return item == null || !isRun(item) ? Optional.empty() : Optional.of(decode(item));
  }

  /** True for items of scheduled runs (runs, chunks, items); items written before kinds existed are told by their attributes. */
  private static boolean isRun(Map<String, AttributeValue> item) {
    if (item.containsKey("kind")) {
      return RUN_KINDS.contains(item.get("kind").s());
    }
    return item.containsKey("status") && !item.containsKey("event");
  }

  private static final java.util.Set<String> RUN_KINDS = java.util.Arrays.stream(ScheduledRun.Kind.values())
      .map(ScheduledRun.Kind::wire).collect(java.util.stream.Collectors.toUnmodifiableSet());

  /**
   * PutItem of the whole run, conditional on the version it replaces. Items written before runs
   * had versions count as version 1.
   */
  @Override
  public boolean replace(ScheduledRun next, long expectedVersion) {
    String condition = expectedVersion == 1 ? "attribute_exists(id) AND (version = :v OR attribute_not_exists(version))"
        : "attribute_exists(id) AND version = :v";
    try {
      client.putItem(b -> b.tableName(table).item(encode(next)).conditionExpression(condition)
          .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(expectedVersion)))));
      return true;
    } catch (ConditionalCheckFailedException e) {
      return false;
    }
  }

  @Override
  public SchedulePage list(ScheduleStatus status, String workflow, int limit, String cursor) {
    Map<String, String> names = new HashMap<>(Map.of("#status", "status"));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":status", AttributeValue.fromS(status.wire())));
    QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_STATUS)
        .keyConditionExpression("#status = :status");
    if (workflow != null) {
      names.put("#wf", "workflow");
      values.put(":wf", AttributeValue.fromS(workflow));
      request.filterExpression("#wf = :wf");
    }
    request.expressionAttributeNames(names).expressionAttributeValues(values);
    if (cursor != null) {
      Map<String, Object> c = Cursors.decode(cursor);
      if (!(c.get("id") instanceof String id && c.get("due_at") instanceof String due)) {
        throw new InvalidCursorException(cursor);
      }
      request.exclusiveStartKey(Map.of("id", AttributeValue.fromS(id), "status", AttributeValue.fromS(status.wire()),
          "due_at", AttributeValue.fromS(due)));
    }
    var items = client.queryPaginator(request.build()).items().iterator();
    List<ScheduledRun> page = new ArrayList<>();
    while (page.size() < limit && items.hasNext()) {
      page.add(decode(items.next()));
    }
    String next = !page.isEmpty() && items.hasNext()
        ? Cursors.encode(Map.of("id", page.getLast().id(), "due_at", page.getLast().dueAt().toString())) : null;
    return new SchedulePage(page, next);
  }

  @Override
  public List<ScheduledRun> due(Instant now, int limit) {
    var items = client.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_STATUS)
        .keyConditionExpression("#status = :pending AND #due <= :now")
        .expressionAttributeNames(Map.of("#status", "status", "#due", "due_at"))
        .expressionAttributeValues(Map.of(":pending", AttributeValue.fromS(ScheduleStatus.PENDING.wire()),
            ":now", AttributeValue.fromS(now.toString())))).items().iterator();
    List<ScheduledRun> due = new ArrayList<>();
    while (due.size() < limit && items.hasNext()) {
      due.add(decode(items.next()));
    }
    return due;
  }

  /** Recurring events share the table, under status {@value #RECURRING} (indexed by start time). */
  static final String RECURRING = "recurring";

  @Override
  public void putRecurring(RecurringEvent e) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("id", AttributeValue.fromS(e.id()));
    item.put("status", AttributeValue.fromS(RECURRING));
    item.put("due_at", AttributeValue.fromS(e.start().toString()));
    item.put("event", AttributeValue.fromS(Json.write(e)));
    item.put("workflow", AttributeValue.fromS(e.workflow()));
    item.put("kind", AttributeValue.fromS(RECURRING));
    client.putItem(b -> b.tableName(table).item(item));
  }

  @Override
  public Optional<RecurringEvent> getRecurring(String id) {
    var item = client.getItem(b -> b.tableName(table).key(key(id)).consistentRead(true)).item();
    return item == null || !item.containsKey("event") ? Optional.empty()
        : Optional.of(Json.read(item.get("event").s(), RecurringEvent.class));
  }

  @Override
  public boolean deleteRecurring(String id) {
    var old = client.deleteItem(b -> b.tableName(table).key(key(id)).returnValues(ReturnValue.ALL_OLD));
    return old.hasAttributes() && old.attributes().containsKey("event");
  }

  @Override
  public List<RecurringEvent> listRecurring() {
    return client.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_STATUS)
        .keyConditionExpression("#status = :r").expressionAttributeNames(Map.of("#status", "status"))
        .expressionAttributeValues(Map.of(":r", AttributeValue.fromS(RECURRING)))).items().stream()
        .map(item -> Json.read(item.get("event").s(), RecurringEvent.class)).toList();
  }

  @Override
  public List<ScheduledRun> chain(String chainId) {
    return client.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_CHAIN)
        .keyConditionExpression("#c = :c").expressionAttributeNames(Map.of("#c", "chain_id"))
        .expressionAttributeValues(Map.of(":c", AttributeValue.fromS(chainId)))).items().stream()
        .filter(DynamoDbScheduleStore::isRun).map(DynamoDbScheduleStore::decode).toList();
  }

  /** A cancelled chain is marked by an item of its own, outside both indexes (no status, no chain_id). */
  @Override
  public void cancelChain(String chainId) {
    client.putItem(b -> b.tableName(table).item(Map.of("id", AttributeValue.fromS(CANCELLED_CHAIN + chainId),
        "cancelled_chain", AttributeValue.fromS(chainId), "kind", AttributeValue.fromS("cancelled_chain"))));
  }

  @Override
  public boolean chainCancelled(String chainId) {
    var item = client.getItem(b -> b.tableName(table).key(key(CANCELLED_CHAIN + chainId)).consistentRead(true)).item();
    return item != null && item.containsKey("cancelled_chain");
  }

  private static final String CANCELLED_CHAIN = "cancelled-chain-";
  private static final String BATCH = "batch-job-";

  /** A batch job: its definition as JSON, status and counters as attributes (counters change by atomic ADD). */
  @Override
  public void createBatch(BatchJob job) {
    try {
      client.putItem(b -> b.tableName(table).conditionExpression("attribute_not_exists(id)").item(Map.of(
          "id", AttributeValue.fromS(BATCH + job.id()), "batch", AttributeValue.fromS(Json.write(job)),
          "kind", AttributeValue.fromS("batch"),
          "batch_status", AttributeValue.fromS(job.status().wire()),
          "done", AttributeValue.fromN(Integer.toString(job.done())), "failed", AttributeValue.fromN(Integer.toString(job.failed())),
          "total", AttributeValue.fromN(Integer.toString(job.total())), "chunks", AttributeValue.fromN(Integer.toString(job.chunks())))));
    } catch (ConditionalCheckFailedException e) {
      throw new ScheduleConflictException(job.id());
    }
  }

  @Override
  public Optional<BatchJob> getBatch(String id) {
    var item = client.getItem(b -> b.tableName(table).key(key(BATCH + id)).consistentRead(true)).item();
    return item == null || !item.containsKey("batch") ? Optional.empty() : Optional.of(decodeBatch(item));
  }

  @Override
  public Optional<BatchJob> setBatchStatus(String id, BatchJob.Status status) {
    try {
      var r = client.updateItem(b -> b.tableName(table).key(key(BATCH + id)).updateExpression("SET batch_status = :s")
          .conditionExpression("attribute_exists(id)").expressionAttributeValues(Map.of(":s", AttributeValue.fromS(status.wire())))
          .returnValues(ReturnValue.ALL_NEW));
      return Optional.of(decodeBatch(r.attributes()));
    } catch (ConditionalCheckFailedException e) {
      return Optional.empty();
    }
  }

  @Override
  public void addBatchProgress(String id, int done, int failed) {
    client.updateItem(b -> b.tableName(table).key(key(BATCH + id)).updateExpression("ADD done :d, failed :f")
        .conditionExpression("attribute_exists(id)").expressionAttributeValues(Map.of(
            ":d", AttributeValue.fromN(Integer.toString(done)), ":f", AttributeValue.fromN(Integer.toString(failed)))));
  }

  @Override
  public void extendBatch(String id, int items) {
    client.updateItem(b -> b.tableName(table).key(key(BATCH + id)).updateExpression("ADD #t :n, chunks :one")
        .conditionExpression("attribute_exists(id)").expressionAttributeNames(Map.of("#t", "total"))
        .expressionAttributeValues(Map.of(":n", AttributeValue.fromN(Integer.toString(items)), ":one", AttributeValue.fromN("1"))));
  }

  private static BatchJob decodeBatch(Map<String, AttributeValue> item) {
    BatchJob j = Json.read(item.get("batch").s(), BatchJob.class);
    return new BatchJob(j.id(), j.workflow(), j.itemParam(), j.params(), Integer.parseInt(item.get("total").n()), j.batchSize(),
        Integer.parseInt(item.get("chunks").n()), j.period(), BatchJob.Status.fromWire(item.get("batch_status").s()),
        Integer.parseInt(item.get("done").n()), Integer.parseInt(item.get("failed").n()), j.createdAt(), j.createdBy(), j.search());
  }

  private static Map<String, AttributeValue> key(String id) {
    return Map.of("id", AttributeValue.fromS(id));
  }

  private static Map<String, AttributeValue> encode(ScheduledRun r) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("id", AttributeValue.fromS(r.id()));
    item.put("kind", AttributeValue.fromS(r.kind().wire()));
    item.put("version", AttributeValue.fromN(Long.toString(r.version())));
    item.put("workflow", AttributeValue.fromS(r.workflow()));
    item.put("params", AttributeValues.of(r.params()));
    item.put("due_at", AttributeValue.fromS(r.dueAt().toString()));
    item.put("status", AttributeValue.fromS(r.status().wire()));
    item.put("scheduled_by", AttributeValue.fromS(r.scheduledBy()));
    item.put("chain_id", AttributeValue.fromS(r.chainId()));
    item.put("created_at", AttributeValue.fromS(r.createdAt().toString()));
    item.put("iteration", AttributeValue.fromN(Integer.toString(r.iteration())));
    if (r.expiresAt() > 0) { // never 0: TTL would delete a pending run at once
      item.put("expires_at", AttributeValue.fromN(Long.toString(r.expiresAt())));
    }
    if (r.runId() != null) {
      item.put("run_id", AttributeValue.fromS(r.runId()));
    }
    if (r.error() != null) {
      item.put("error", AttributeValue.fromS(Json.write(r.error())));
    }
    if (r.finishedAt() != null) {
      item.put("finished_at", AttributeValue.fromS(r.finishedAt().toString()));
    }
    if (r.claimedAt() != null) {
      item.put("claimed_at", AttributeValue.fromS(r.claimedAt().toString()));
    }
    if (r.attempt() > 0) {
      item.put("attempt", AttributeValue.fromN(Integer.toString(r.attempt())));
    }
    if (r.lease() != null) {
      item.put("holder", AttributeValue.fromS(r.lease().holder()));
      item.put("lease_until", AttributeValue.fromS(r.lease().until().toString()));
    }
    return item;
  }

  private static ScheduledRun decode(Map<String, AttributeValue> item) {
    String id = item.get("id").s();
    ScheduledRun.Kind kind = item.containsKey("kind") ? ScheduledRun.Kind.fromWire(item.get("kind").s())
        : id.startsWith("batch-") && id.contains("-chunk-") ? ScheduledRun.Kind.CHUNK // written before kinds existed
        : id.startsWith("batch-") && id.contains("-item-") ? ScheduledRun.Kind.ITEM : ScheduledRun.Kind.RUN;
    return new ScheduledRun(id, kind, item.get("workflow").s(), AttributeValues.plainMap(item.get("params").m()),
        Instant.parse(item.get("due_at").s()), ScheduleStatus.fromWire(item.get("status").s()), item.get("scheduled_by").s(),
        item.get("chain_id").s(), Instant.parse(item.get("created_at").s()), s(item, "run_id"),
        item.containsKey("error") ? Json.read(item.get("error").s(), ErrorInfo.class) : null,
        item.containsKey("finished_at") ? Instant.parse(item.get("finished_at").s()) : null,
        item.containsKey("expires_at") ? Long.parseLong(item.get("expires_at").n()) : 0,
        item.containsKey("iteration") ? Integer.parseInt(item.get("iteration").n()) : 1,
        item.containsKey("claimed_at") ? Instant.parse(item.get("claimed_at").s()) : null,
        item.containsKey("version") ? Long.parseLong(item.get("version").n()) : 1,
        item.containsKey("attempt") ? Integer.parseInt(item.get("attempt").n()) : 0,
        item.containsKey("holder") ? new Lease(item.get("holder").s(), Instant.parse(item.get("lease_until").s())) : null);
  }

  private static String s(Map<String, AttributeValue> item, String attr) {
    return item.containsKey(attr) ? item.get(attr).s() : null;
  }
}
