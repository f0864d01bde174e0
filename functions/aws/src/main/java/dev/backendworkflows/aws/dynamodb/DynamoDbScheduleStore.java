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
import dev.backendworkflows.schedule.ScheduleWrite;
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
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * {@link ScheduleStore} on the Schedules table. A run's item is replaced whole, conditional on its
 * version, so of two concurrent writers exactly one wins. Every item says what it is in {@code kind}
 * ({@code run}, {@code chunk}, {@code item}, {@code recurring}, {@code batch}, {@code cancelled_chain}, {@code counter}).
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
    String condition = versionCondition(expectedVersion);
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
  public SchedulePage failedItems(String chainId, int limit, String cursor) {
    QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_FAILED)
        .keyConditionExpression("failed_in = :c").expressionAttributeValues(Map.of(":c", AttributeValue.fromS(chainId)))
        .limit(limit + 1);
    if (cursor != null) {
      if (!(Cursors.decode(cursor).get("after") instanceof String after)) {
        throw new InvalidCursorException(cursor);
      }
      request.exclusiveStartKey(Map.of("id", AttributeValue.fromS(after), "failed_in", AttributeValue.fromS(chainId)));
    }
    List<ScheduledRun> page = new ArrayList<>(client.query(request.build()).items().stream().map(DynamoDbScheduleStore::decode).toList());
    String next = null;
    if (page.size() > limit) {
      page = new ArrayList<>(page.subList(0, limit));
      next = Cursors.encode(Map.of("after", page.getLast().id()));
    }
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
  /** A job's status as the by-status-due index holds it (so the sweep finds running jobs), apart from the runs' statuses. */
  private static final String BATCH_STATUS = "batch-";

  @Override
  public List<BatchJob> batches(BatchJob.Status status, int limit) {
    var items = client.queryPaginator(b -> b.tableName(table).indexName(DynamoDbTables.SCHEDULES_BY_STATUS)
        .keyConditionExpression("#status = :s").expressionAttributeNames(Map.of("#status", "status"))
        .expressionAttributeValues(Map.of(":s", AttributeValue.fromS(BATCH_STATUS + status.wire())))).items().iterator();
    List<BatchJob> jobs = new ArrayList<>();
    while (jobs.size() < limit && items.hasNext()) {
      jobs.add(decodeBatch(items.next()));
    }
    return jobs;
  }
  /** Counters ({@link ScheduleWrite.Count}): items of their own, outside both indexes. */
  private static final String COUNTER = "counter-";

  @Override
  public long counter(String name) {
    var item = client.getItem(b -> b.tableName(table).key(key(COUNTER + name)).consistentRead(true)).item();
    return item == null || !item.containsKey("count") ? 0 : Long.parseLong(item.get("count").n());
  }

  /** A batch job: its definition as JSON, status and counters as attributes (counters change by atomic ADD). */
  @Override
  public void createBatch(BatchJob job) {
    try {
      client.putItem(b -> b.tableName(table).conditionExpression("attribute_not_exists(id)").item(Map.of(
          "id", AttributeValue.fromS(BATCH + job.id()), "batch", AttributeValue.fromS(Json.write(job)),
          "kind", AttributeValue.fromS("batch"),
          "batch_status", AttributeValue.fromS(job.status().wire()),
          "status", AttributeValue.fromS(BATCH_STATUS + job.status().wire()), "due_at", AttributeValue.fromS(job.createdAt().toString()),
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

  /** One write alone is a plain conditional write; more go in one transaction ({@link Transactions#write}). */
  @Override
  public boolean write(List<ScheduleWrite> writes) {
    if (writes.isEmpty()) {
      return true;
    }
    if (writes.size() == 1 && writes.getFirst() instanceof ScheduleWrite.Replace r) {
      return replace(r.next(), r.expectedVersion());
    }
    List<TransactWriteItem> items = writes.stream().map(this::transactItem).toList();
    return Transactions.write(token -> client.transactWriteItems(b -> b.transactItems(items).clientRequestToken(token))) < 0;
  }

  private TransactWriteItem transactItem(ScheduleWrite w) {
    return switch (w) {
      case ScheduleWrite.Create c -> TransactWriteItem.builder().put(p -> p.tableName(table).item(encode(c.run()))
          .conditionExpression("attribute_not_exists(id)")).build();
      case ScheduleWrite.Replace r -> TransactWriteItem.builder().put(p -> p.tableName(table).item(encode(r.next()))
          .conditionExpression(versionCondition(r.expectedVersion()))
          .expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(r.expectedVersion()))))).build();
      case ScheduleWrite.Count c -> TransactWriteItem.builder().update(x -> x.tableName(table).key(key(COUNTER + c.name()))
          .updateExpression("ADD #n :one SET #k = :kind, expires_at = :exp").conditionExpression("attribute_not_exists(#n) OR #n < :max")
          .expressionAttributeNames(Map.of("#n", "count", "#k", "kind"))
          .expressionAttributeValues(Map.of(":one", n(1), ":max", n(c.max()), ":kind", AttributeValue.fromS("counter"),
              ":exp", AttributeValue.fromN(Long.toString(c.expiresAt()))))).build();
      case ScheduleWrite.UpdateBatch u -> {
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":d", n(u.done()), ":f", n(u.failed()), ":t", n(u.total()),
            ":c", n(u.chunks())));
        StringBuilder update = new StringBuilder("ADD done :d, failed :f, #t :t, chunks :c");
        Map<String, String> names = new HashMap<>(Map.of("#t", "total"));
        List<String> sets = new ArrayList<>();
        if (u.to() != null) {
          sets.add("batch_status = :to, #st = :indexed");
          names.put("#st", "status");
          values.put(":to", AttributeValue.fromS(u.to().wire()));
          values.put(":indexed", AttributeValue.fromS(BATCH_STATUS + u.to().wire()));
        }
        if (u.current() != null) {
          sets.add("current_chunk = :cur");
          values.put(":cur", AttributeValue.fromS(u.current()));
        }
        if (u.nextDue() != null) {
          sets.add("next_due = :nd");
          values.put(":nd", AttributeValue.fromS(u.nextDue().toString()));
        }
        if (!sets.isEmpty()) {
          update.append(" SET ").append(String.join(", ", sets));
        }
        StringBuilder condition = new StringBuilder("attribute_exists(id)");
        if (u.from() != null) {
          List<String> placeholders = new ArrayList<>();
          int k = 0;
          for (BatchJob.Status st : u.from()) {
            values.put(":from" + k, AttributeValue.fromS(st.wire()));
            placeholders.add(":from" + k++);
          }
          condition.append(" AND batch_status IN (").append(String.join(", ", placeholders)).append(")");
        }
        yield TransactWriteItem.builder().update(x -> x.tableName(table).key(key(BATCH + u.batchId()))
            .updateExpression(update.toString()).conditionExpression(condition.toString())
            .expressionAttributeNames(names).expressionAttributeValues(values)).build();
      }
    };
  }

  private static AttributeValue n(int value) {
    return AttributeValue.fromN(Integer.toString(value));
  }

  private static String versionCondition(long expectedVersion) {
    return expectedVersion == 1 ? "attribute_exists(id) AND (version = :v OR attribute_not_exists(version))"
        : "attribute_exists(id) AND version = :v";
  }

  private static BatchJob decodeBatch(Map<String, AttributeValue> item) {
    BatchJob j = Json.read(item.get("batch").s(), BatchJob.class);
    return new BatchJob(j.id(), j.workflow(), j.itemParam(), j.params(), Integer.parseInt(item.get("total").n()), j.batchSize(),
        Integer.parseInt(item.get("chunks").n()), j.period(), BatchJob.Status.fromWire(item.get("batch_status").s()),
        Integer.parseInt(item.get("done").n()), Integer.parseInt(item.get("failed").n()), j.createdAt(), j.createdBy(), j.search(),
        j.itemsPerSecond(), s(item, "current_chunk"), item.containsKey("next_due") ? Instant.parse(item.get("next_due").s()) : null);
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
    if (r.kind() == ScheduledRun.Kind.ITEM && r.status() == ScheduleStatus.FAILED) {
      item.put("failed_in", AttributeValue.fromS(r.chainId())); // the sparse index of a job's failures
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
