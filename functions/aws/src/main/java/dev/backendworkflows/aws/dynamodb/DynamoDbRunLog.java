package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.Journal;
import dev.backendworkflows.execution.Lease;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunPage;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import java.time.Clock;
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

/**
 * {@link RunLog} on the Runs table: one item per run with the record and the journal as JSON, the
 * claim ({@code version}, {@code holder}, {@code lease_until}, {@code attempt_base}) and the attributes
 * its indexes and TTL use. A write is a PutItem conditional on the version it replaces. DynamoDB
 * deletes expired items lazily (within days), so reads hide expired runs themselves. The table also
 * holds idempotency keys ({@link DynamoDbIdempotencyStore}), told apart by {@code kind}.
 */
public final class DynamoDbRunLog implements RunLog {
  private final DynamoDbClient client;
  private final String table;
  private final Clock clock;

  public DynamoDbRunLog(DynamoDbClient client, String table, Clock clock) {
    this.client = client;
    this.table = table;
    this.clock = clock;
  }

  /** {@code kind} of run items (items written before kinds existed have none). */
  static final String KIND = "run";

  @Override
  public boolean write(Execution e, long expectedVersion) {
    RunRecord run = e.record();
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("run_id", AttributeValue.fromS(run.runId()));
    item.put("kind", AttributeValue.fromS(KIND));
    item.put("workflow", AttributeValue.fromS(run.workflow()));
    item.put("status", AttributeValue.fromS(run.status().wire()));
    item.put("started_at", AttributeValue.fromS(run.startedAt().toString()));
    item.put(DynamoDbTables.RUNS_TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(run.expiresAt())));
    item.put("record", AttributeValue.fromS(Json.write(run)));
    if (e.journal() != null) {
      item.put("journal", AttributeValue.fromS(Json.write(e.journal())));
    }
    item.put("version", AttributeValue.fromN(Long.toString(e.version())));
    item.put("attempt_base", AttributeValue.fromN(Integer.toString(e.attemptBase())));
    if (e.lease() != null) {
      item.put("holder", AttributeValue.fromS(e.lease().holder()));
      item.put("lease_until", AttributeValue.fromS(e.lease().until().toString()));
    }
    // items written before runs had versions count as version 1
    String condition = expectedVersion == 0 ? "attribute_not_exists(run_id)"
        : expectedVersion == 1 ? "attribute_exists(run_id) AND (version = :v OR attribute_not_exists(version))"
        : "attribute_exists(run_id) AND version = :v";
    try {
      client.putItem(b -> {
        b.tableName(table).item(item).conditionExpression(condition);
        if (expectedVersion != 0) {
          b.expressionAttributeValues(Map.of(":v", AttributeValue.fromN(Long.toString(expectedVersion))));
        }
      });
      return true;
    } catch (ConditionalCheckFailedException conflict) {
      return false;
    }
  }

  @Override
  public Optional<Execution> load(String runId) {
    var item = client.getItem(b -> b.tableName(table).key(Map.of("run_id", AttributeValue.fromS(runId))).consistentRead(true)).item();
    if (item == null || item.isEmpty() || !item.containsKey("record") || (item.containsKey("kind") && !KIND.equals(item.get("kind").s()))) {
      return Optional.empty();
    }
    Execution e = new Execution(decode(item), item.containsKey("journal") ? Json.read(item.get("journal").s(), Journal.class) : null,
        item.containsKey("version") ? Long.parseLong(item.get("version").n()) : 1,
        item.containsKey("holder") ? new Lease(item.get("holder").s(), Instant.parse(item.get("lease_until").s())) : null,
        item.containsKey("attempt_base") ? Integer.parseInt(item.get("attempt_base").n()) : 1);
    return Optional.of(e).filter(x -> live(x.record()));
  }

  @Override
  public Optional<RunRecord> get(String runId) {
    return load(runId).map(Execution::record);
  }

  @Override
  public RunPage query(RunQuery query) {
    boolean byWorkflow = query.workflow() != null;
    String hash = byWorkflow ? "workflow" : "status";
    Map<String, String> names = new HashMap<>(Map.of("#h", hash, "#exp", DynamoDbTables.RUNS_TTL_ATTRIBUTE));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(
        ":h", AttributeValue.fromS(byWorkflow ? query.workflow() : query.status().wire()),
        ":now", AttributeValue.fromN(Long.toString(clock.instant().getEpochSecond()))));
    String filter = "#exp > :now";
    if (byWorkflow && query.status() != null) {
      names.put("#s", "status");
      values.put(":s", AttributeValue.fromS(query.status().wire()));
      filter += " AND #s = :s";
    }
    QueryRequest.Builder request = QueryRequest.builder().tableName(table)
        .indexName(byWorkflow ? DynamoDbTables.RUNS_BY_WORKFLOW : DynamoDbTables.RUNS_BY_STATUS)
        .keyConditionExpression("#h = :h").filterExpression(filter).scanIndexForward(false)
        .expressionAttributeNames(names).expressionAttributeValues(values);
    if (query.cursor() != null) {
      request.exclusiveStartKey(startKey(query.cursor(), hash));
    }
    var items = client.queryPaginator(request.build()).items().iterator();
    List<RunRecord> page = new ArrayList<>();
    Map<String, AttributeValue> last = null;
    // a version lives in the record, not in an attribute an index or filter can see: runs of other
    // versions are read and passed over, at most VERSION_SCAN a call; the cursor goes on from there
    for (int read = 0; page.size() < query.limit() && read < VERSION_SCAN && items.hasNext(); read++) {
      last = items.next();
      RunRecord r = decode(last);
      if (query.versionMatches(r)) {
        page.add(r);
      }
    }
    String cursor = null;
    if (last != null && items.hasNext()) {
      cursor = Cursors.encode(Map.of("run_id", last.get("run_id").s(), "h", last.get(hash).s(),
          "started_at", last.get("started_at").s()));
    }
    return new RunPage(page, cursor);
  }

  /** Runs read at most by one query for a version before it answers with what it found and a cursor. */
  static final int VERSION_SCAN = 1_000;

  private static Map<String, AttributeValue> startKey(String cursor, String hash) {
    Map<String, Object> c = Cursors.decode(cursor);
    if (!(c.get("run_id") instanceof String id && c.get("h") instanceof String h && c.get("started_at") instanceof String at)) {
      throw new InvalidCursorException(cursor);
    }
    return Map.of("run_id", AttributeValue.fromS(id), hash, AttributeValue.fromS(h), "started_at", AttributeValue.fromS(at));
  }

  private boolean live(RunRecord r) {
    return r.liveAt(clock.instant());
  }

  private static RunRecord decode(Map<String, AttributeValue> item) {
    return Json.read(item.get("record").s(), RunRecord.class);
  }
}
