package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunPage;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;

/**
 * {@link RunLog} on the Runs table: the record as JSON plus the attributes its indexes and TTL use.
 * DynamoDB deletes expired items lazily (within days), so reads hide expired runs themselves.
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

  @Override
  public void put(RunRecord run) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("run_id", AttributeValue.fromS(run.runId()));
    item.put("workflow", AttributeValue.fromS(run.workflow()));
    item.put("status", AttributeValue.fromS(run.status().wire()));
    item.put("started_at", AttributeValue.fromS(run.startedAt().toString()));
    item.put(DynamoDbTables.RUNS_TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(run.expiresAt())));
    item.put("record", AttributeValue.fromS(Json.write(run)));
    client.putItem(b -> b.tableName(table).item(item));
  }

  @Override
  public Optional<RunRecord> get(String runId) {
    var item = client.getItem(b -> b.tableName(table).key(Map.of("run_id", AttributeValue.fromS(runId))).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(decode(item)).filter(this::live);
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
    List<Map<String, AttributeValue>> page = new ArrayList<>();
    while (page.size() < query.limit() && items.hasNext()) {
      page.add(items.next());
    }
    String cursor = null;
    if (!page.isEmpty() && items.hasNext()) {
      var last = page.getLast();
      cursor = Cursors.encode(Map.of("run_id", last.get("run_id").s(), "h", last.get(hash).s(),
          "started_at", last.get("started_at").s()));
    }
    return new RunPage(page.stream().map(DynamoDbRunLog::decode).toList(), cursor);
  }

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
