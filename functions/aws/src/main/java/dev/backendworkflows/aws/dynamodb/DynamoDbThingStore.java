package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.SearchSemantics;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingCount;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;

/**
 * {@link ThingStore} on the Things table. A type's things are spread over {@link #SHARDS} partitions,
 * {@code <type>#<n>} with {@code n} from the thing's id, so a type takes writes at many partitions'
 * rate; a get reads one item, and a search merges the shards' queries by id (ids are time-ordered),
 * so paging stays in creation order. Creates and updates are conditional writes, so a create
 * never overwrites and an update never creates; updates set fields one by one (no read-modify-write)
 * and add numbers on the server. Constraints run server-side as a filter expression. Claims are
 * items of their own partition ({@code _claim#<key>}, kind {@code claim}), written in the same
 * transaction as the things they guard; an index lists its things as items of its partition
 * ({@code _index#<index>}, sort key the thing's id, kind {@code index}), read by a query and a
 * batch get.
 */
public final class DynamoDbThingStore implements ThingStore {
  private static final String VERSION = "version";
  private static final String CLAIM = "_claim#";
  private static final String INDEX = "_index#";
  /** Partitions per type: a type's write ceiling is this many partitions' (1,000 write units a second each). */
  public static final int SHARDS = 8;
  /** Keys per BatchGetItem: the API's most. */
  private static final int BATCH_GET = 100;
  /**
   * The item attribute (beside {@code fields}) holding the trigger depth of the run that last wrote
   * the thing, when not 0: a data_change function reads it from the stream record's new image.
   */
  public static final String TRIGGER_DEPTH = "trigger_depth";
  private final DynamoDbClient client;
  private final String table;
  private final int depth;

  public DynamoDbThingStore(DynamoDbClient client, String table) {
    this(client, table, 0);
  }

  private DynamoDbThingStore(DynamoDbClient client, String table, int depth) {
    this.client = client;
    this.table = table;
    this.depth = depth;
  }

  @Override
  public DynamoDbThingStore atDepth(int depth) {
    return depth == this.depth ? this : new DynamoDbThingStore(client, table, depth);
  }

  @Override
  public Optional<Thing> get(String type, String id) {
    var item = client.getItem(b -> b.tableName(table).key(key(type, id)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(decode(item));
  }

  @Override
  public Thing create(Thing thing) {
    try {
      client.putItem(b -> b.tableName(table).item(encode(thing)).conditionExpression("attribute_not_exists(id)"));
    } catch (ConditionalCheckFailedException e) {
      throw new ThingAlreadyExistsException(thing.type(), thing.id());
    }
    return thing;
  }

  @Override
  public Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt) {
    Update u = update(new ThingWrite.Change(type, id, changes, Map.of(), null, modifiedAt));
    try {
      var result = client.updateItem(b -> b.tableName(table).key(key(type, id)).updateExpression(u.expression())
          .conditionExpression(u.condition()).expressionAttributeNames(u.names())
          .expressionAttributeValues(u.values()).returnValues(ReturnValue.ALL_NEW));
      return decode(result.attributes());
    } catch (ConditionalCheckFailedException e) {
      throw new ThingNotFoundException(type, id);
    }
  }

  /** An UpdateItem's expressions. */
  private record Update(String expression, String condition, Map<String, String> names, Map<String, AttributeValue> values) {}

  /**
   * A change as an update: fields set one by one (no read-modify-write), numbers added on the server,
   * the version one more; conditional on the thing's existence, its version and the added fields' types.
   */
  private Update update(ThingWrite.Change c) {
    Map<String, String> names = new HashMap<>(Map.of("#fields", "fields", "#modified", "modified_at", "#ver", VERSION,
        "#depth", TRIGGER_DEPTH));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":modified", AttributeValue.fromS(c.modifiedAt().toString()),
        ":one", AttributeValue.fromN("1")));
    List<String> sets = new ArrayList<>(List.of("#modified = :modified", "#ver = if_not_exists(#ver, :one) + :one"));
    List<String> removes = new ArrayList<>();
    if (depth > 0) { // the depth of this write, replacing the last one's
      values.put(":depth", AttributeValue.fromN(Integer.toString(depth)));
      sets.add("#depth = :depth");
    } else {
      removes.add("#depth");
    }
    List<String> conditions = new ArrayList<>(List.of("attribute_exists(id)"));
    int i = 0;
    for (var change : c.set().entrySet()) {
      String n = "#f" + i;
      names.put(n, change.getKey());
      if (change.getValue() == null) {
        removes.add("#fields." + n);
      } else {
        values.put(":v" + i, AttributeValues.of(change.getValue()));
        sets.add("#fields." + n + " = :v" + i);
      }
      i++;
    }
    for (var add : c.add().entrySet()) {
      String n = "#f" + i;
      names.put(n, add.getKey());
      values.put(":v" + i, AttributeValue.fromN(add.getValue().toPlainString()));
      values.putIfAbsent(":zero", AttributeValue.fromN("0"));
      values.putIfAbsent(":num", AttributeValue.fromS("N"));
      sets.add("#fields." + n + " = if_not_exists(#fields." + n + ", :zero) + :v" + i);
      conditions.add("(attribute_not_exists(#fields." + n + ") OR attribute_type(#fields." + n + ", :num))");
      i++;
    }
    if (c.ifVersion() != null) {
      values.put(":if", AttributeValue.fromN(Long.toString(c.ifVersion())));
      conditions.add(c.ifVersion() == 1 ? "(attribute_not_exists(#ver) OR #ver = :if)" : "#ver = :if"); // stored before versions: 1
    }
    String expression = "SET " + String.join(", ", sets) + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
    return new Update(expression, String.join(" AND ", conditions), names, values);
  }

  @Override
  public boolean delete(String type, String id) {
    var result = client.deleteItem(b -> b.tableName(table).key(key(type, id)).returnValues(ReturnValue.ALL_OLD));
    return result.hasAttributes() && !result.attributes().isEmpty();
  }

  /** Every write goes in one transaction ({@link Transactions#write}), even alone: writes are rare enough that one path pays. */
  @Override
  public int write(List<ThingWrite> writes) {
    if (writes.isEmpty()) {
      return -1;
    }
    List<TransactWriteItem> items = writes.stream().map(this::transactItem).toList();
    return Transactions.write(token -> client.transactWriteItems(b -> b.transactItems(items).clientRequestToken(token)));
  }

  private TransactWriteItem transactItem(ThingWrite w) {
    return switch (w) {
      case ThingWrite.Put p -> TransactWriteItem.builder().put(x -> x.tableName(table).item(encode(p.thing()))
          .conditionExpression("attribute_not_exists(id)")).build();
      case ThingWrite.Change c -> {
        Update u = update(c);
        yield TransactWriteItem.builder().update(x -> x.tableName(table).key(key(c.type(), c.id())).updateExpression(u.expression())
            .conditionExpression(u.condition()).expressionAttributeNames(u.names()).expressionAttributeValues(u.values())).build();
      }
      case ThingWrite.Remove r -> {
        Map<String, String> names = new HashMap<>();
        Map<String, AttributeValue> values = new HashMap<>();
        String condition = "attribute_exists(id)";
        if (r.ifVersion() != null) {
          names.put("#ver", VERSION);
          values.put(":if", AttributeValue.fromN(Long.toString(r.ifVersion())));
          condition += r.ifVersion() == 1 ? " AND (attribute_not_exists(#ver) OR #ver = :if)" : " AND #ver = :if";
        }
        String cond = condition;
        yield TransactWriteItem.builder().delete(x -> x.tableName(table).key(key(r.type(), r.id())).conditionExpression(cond)
            .expressionAttributeNames(names.isEmpty() ? null : names).expressionAttributeValues(values.isEmpty() ? null : values)).build();
      }
      case ThingWrite.Claim c -> {
        Map<String, AttributeValue> item = new HashMap<>(claimKey(c.key()));
        item.put("kind", AttributeValue.fromS("claim"));
        item.put("owner", AttributeValue.fromS(c.owner()));
        if (c.expiresAt() > 0) {
          item.put(DynamoDbTables.THINGS_TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(c.expiresAt())));
        }
        yield TransactWriteItem.builder().put(x -> x.tableName(table).item(item).conditionExpression("attribute_not_exists(id)")).build();
      }
      case ThingWrite.AddToIndex a -> {
        Map<String, AttributeValue> item = new HashMap<>(itemKey(INDEX + a.index(), a.id()));
        item.put("kind", AttributeValue.fromS("index"));
        yield TransactWriteItem.builder().put(x -> x.tableName(table).item(item)).build();
      }
      case ThingWrite.RemoveFromIndex r -> TransactWriteItem.builder().delete(x -> x.tableName(table).key(itemKey(INDEX + r.index(), r.id()))).build();
      case ThingWrite.Release r -> TransactWriteItem.builder().delete(x -> x.tableName(table).key(claimKey(r.key()))
          .conditionExpression("attribute_not_exists(id) OR #owner = :owner").expressionAttributeNames(Map.of("#owner", "owner"))
          .expressionAttributeValues(Map.of(":owner", AttributeValue.fromS(r.owner())))).build();
    };
  }

  @Override
  public Optional<String> claimOwner(String key) {
    var item = client.getItem(b -> b.tableName(table).key(claimKey(key)).consistentRead(true)).item();
    return item == null || !item.containsKey("owner") ? Optional.empty() : Optional.of(item.get("owner").s());
  }

  /** A claim's key: a partition of its own (claims on one field spread over partitions), which no type name can be. */
  private static Map<String, AttributeValue> claimKey(String claim) {
    return itemKey(CLAIM + claim, "_");
  }

  @Override
  public ThingPage search(ThingQuery query) {
    SearchSemantics.Position position = SearchSemantics.position(query);
    // a page needs limit + 1 matches (to know whether there is more); a sorted search needs them all
    int pageSize = query.sortField() == null ? query.limit() + 1 : 1000;
    Iterator<Thing> matches;
    if (query.index() != null) {
      matches = filtered(listed(query.type(), query.index(), position.afterId(), pageSize), query);
    } else {
      List<Iterator<Thing>> shards = typeQueries(query.type(), query.constraints(), position.afterId(),
          Math.min(1000, Math.max(10, pageSize / SHARDS + 2))).stream()
          .map(q -> client.queryPaginator(q).items().stream().map(DynamoDbThingStore::decode).iterator()).toList();
      matches = query.visible() == null ? merged(shards) : filtered(merged(shards), query);
    }
    return SearchSemantics.page(query, matches);
  }

  /**
   * With an index, or a {@code visible} test: the things read and counted one by one. Otherwise a
   * query of each shard that asks DynamoDB only for the count: every page read, none sent back.
   */
  @Override
  public ThingCount count(ThingQuery query) {
    long count = 0;
    long read = 0;
    if (query.index() != null) {
      for (Iterator<Thing> it = listed(query.type(), query.index(), null, 1000); it.hasNext(); ) {
        read++;
        if (query.finds(it.next())) {
          count++;
        }
      }
      return new ThingCount(count, read);
    }
    for (QueryRequest shard : typeQueries(query.type(), query.constraints(), null, 0)) {
      if (query.visible() == null) {
        for (var page : client.queryPaginator(shard.toBuilder().select(Select.COUNT).build())) {
          count += page.count();
          read += page.scannedCount();
        }
      } else {
        for (var page : client.queryPaginator(shard)) {
          read += page.scannedCount();
          count += page.items().stream().map(DynamoDbThingStore::decode).filter(query.visible()).count();
        }
      }
    }
    return new ThingCount(count, read);
  }

  /** The things {@code index} lists after {@code afterId}, in creation order: entries by query, things by batch get. */
  private Iterator<Thing> listed(String type, String index, String afterId, int pageSize) {
    Map<String, String> names = new HashMap<>(Map.of("#pk", "type"));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":pk", AttributeValue.fromS(INDEX + index)));
    String condition = "#pk = :pk";
    if (afterId != null) {
      names.put("#id", "id");
      values.put(":after", AttributeValue.fromS(afterId));
      condition += " AND #id > :after";
    }
    QueryRequest request = QueryRequest.builder().tableName(table).keyConditionExpression(condition)
        .expressionAttributeNames(names).expressionAttributeValues(values).limit(Math.min(pageSize, 1000)).consistentRead(true).build();
    Iterator<String> ids = client.queryPaginator(request).items().stream().map(item -> item.get("id").s()).iterator();
    return new Iterator<>() {
      private final java.util.ArrayDeque<Thing> fetched = new java.util.ArrayDeque<>();

      private int taken;

      @Override
      public boolean hasNext() {
        while (fetched.isEmpty() && ids.hasNext()) {
          // a page's worth first, so the listings are not read further than the page needs; more only
          // when some were passed over (another constraint, or a thing gone)
          int want = Math.min(BATCH_GET, taken < pageSize ? pageSize - taken : pageSize);
          List<String> batch = new ArrayList<>();
          while (batch.size() < want && ids.hasNext()) {
            batch.add(ids.next());
          }
          taken += batch.size();
          fetched.addAll(fetch(type, batch));
        }
        return !fetched.isEmpty();
      }

      @Override
      public Thing next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return fetched.poll();
      }
    };
  }

  /** The things of {@code ids} that exist, in the order of {@code ids}: one consistent batch get (and its unprocessed keys). */
  private List<Thing> fetch(String type, List<String> ids) {
    Map<String, Thing> found = new HashMap<>();
    List<Map<String, AttributeValue>> keys = ids.stream().distinct().map(id -> key(type, id)).toList();
    Map<String, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes> request =
        Map.of(table, software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes.builder().keys(keys).consistentRead(true).build());
    for (int tries = 0; !request.isEmpty(); tries++) {
      if (tries == 10) {
        throw new IllegalStateException("DynamoDB left keys of " + table + " unprocessed 10 times in a row");
      }
      if (tries > 0) { // throttled: back off, jittered, as the SDK does for its own retries
        try {
          Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextLong(25L << tries));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while DynamoDB throttled a batch get", e);
        }
      }
      var finalRequest = request;
      var result = client.batchGetItem(b -> b.requestItems(finalRequest));
      result.responses().getOrDefault(table, List.of()).forEach(item -> found.put(item.get("id").s(), decode(item)));
      request = result.hasUnprocessedKeys() ? result.unprocessedKeys() : Map.of();
    }
    return ids.stream().map(found::get).filter(java.util.Objects::nonNull).toList();
  }

  /** The things {@code query} finds among {@code things}: its constraints, and its {@code visible} test. */
  private static Iterator<Thing> filtered(Iterator<Thing> things, ThingQuery query) {
    return java.util.stream.StreamSupport.stream(java.util.Spliterators.spliteratorUnknownSize(things, 0), false)
        .filter(query::finds).iterator();
  }

  /** The shards' things merged into one creation order (by id: each shard is in id order). */
  private static Iterator<Thing> merged(List<Iterator<Thing>> shards) {
    record Head(Thing thing, Iterator<Thing> rest) {}
    java.util.PriorityQueue<Head> heads = new java.util.PriorityQueue<>(java.util.Comparator.comparing((Head h) -> h.thing().id()));
    return new Iterator<>() {
      private boolean started;

      @Override
      public boolean hasNext() {
        if (!started) {
          started = true;
          shards.forEach(it -> {
            if (it.hasNext()) {
              heads.add(new Head(it.next(), it));
            }
          });
        }
        return !heads.isEmpty();
      }

      @Override
      public Thing next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        Head head = heads.poll();
        if (head.rest().hasNext()) {
          heads.add(new Head(head.rest().next(), head.rest()));
        }
        return head.thing();
      }
    };
  }

  /**
   * A query per shard of the type, after {@code afterId} when given, with the constraints as a filter
   * expression (the semantics of {@link SearchSemantics}) and {@code pageSize} items read per request
   * (0: DynamoDB's 1 MB pages); none when the constraints can never hold, so there is nothing to read.
   */
  private List<QueryRequest> typeQueries(String type, List<Constraint> constraints, String afterId, int pageSize) {
    Map<String, String> names = new HashMap<>(Map.of("#type", "type"));
    Map<String, AttributeValue> values = new HashMap<>();
    List<String> filters = new ArrayList<>();
    for (int i = 0; i < constraints.size(); i++) {
      Constraint c = constraints.get(i);
      boolean ordered = c.op() != Constraint.Op.EQ && c.op() != Constraint.Op.NE;
      if (ordered && !(c.value() instanceof String || c.value() instanceof Number)) {
        return List.of(); // an order comparison with such a value never holds
      }
      String field = "#fields.#c" + i;
      names.put("#fields", "fields");
      names.put("#c" + i, c.field());
      if (c.value() == null) {
        if (c.op() == Constraint.Op.EQ) {
          return List.of(); // nothing equals a missing value
        }
        continue; // != null always holds
      }
      values.put(":c" + i, AttributeValues.of(c.value()));
      String compare = switch (c.op()) {
        case EQ -> field + " = :c" + i;
        case NE -> "(attribute_not_exists(" + field + ") OR " + field + " <> :c" + i + ")";
        case LT -> field + " < :c" + i;
        case LTE -> field + " <= :c" + i;
        case GT -> field + " > :c" + i;
        case GTE -> field + " >= :c" + i;
      };
      if (ordered) {
        // DynamoDB finds "text < number" false; the type guard states that, and keeps emulators that
        // fail on mixed-type ordering (moto answers HTTP 500) from seeing such a comparison at all
        values.put(":t" + i, AttributeValue.fromS(c.value() instanceof Number ? "N" : "S"));
        compare = "(attribute_type(" + field + ", :t" + i + ") AND " + compare + ")";
      }
      filters.add(compare);
    }
    String condition = "#type = :type";
    if (afterId != null) {
      names.put("#id", "id");
      values.put(":after", AttributeValue.fromS(afterId));
      condition += " AND #id > :after";
    }
    List<QueryRequest> queries = new ArrayList<>();
    for (int shard = 0; shard < SHARDS; shard++) {
      Map<String, AttributeValue> shardValues = new HashMap<>(values);
      shardValues.put(":type", AttributeValue.fromS(type + "#" + shard));
      QueryRequest.Builder request = QueryRequest.builder().tableName(table)
          .keyConditionExpression(condition).expressionAttributeNames(names).expressionAttributeValues(shardValues)
          .consistentRead(true); // a search right after a write finds it
      if (!filters.isEmpty()) {
        // Limit counts the items read, not those that match: with a filter it would page a sparse search
        // in many small requests, so DynamoDB's 1 MB pages are read instead
        request.filterExpression(String.join(" AND ", filters));
      } else if (pageSize > 0) {
        request.limit(pageSize);
      }
      queries.add(request.build());
    }
    return queries;
  }

  /** The trigger depth an item was written at (0 when it carries none). */
  public static int depthOf(Map<String, AttributeValue> item) {
    AttributeValue d = item == null ? null : item.get(TRIGGER_DEPTH);
    return d == null || d.n() == null ? 0 : Integer.parseInt(d.n());
  }

  /** Whether an item is a thing (not a claim or an index entry): its partition is {@code <type>#<shard>}. */
  public static boolean isThing(Map<String, AttributeValue> item) {
    return item != null && !item.containsKey("kind") && item.containsKey("type") && item.containsKey("created_at");
  }

  /** The shard of a thing: from its id, so a get knows where to look. */
  static int shard(String id) {
    return Integer.remainderUnsigned(id.hashCode(), SHARDS);
  }

  /** A thing's key: partition {@code <type>#<shard>}, sort key its id. */
  static Map<String, AttributeValue> key(String type, String id) {
    return itemKey(type + "#" + shard(id), id);
  }

  private static Map<String, AttributeValue> itemKey(String partition, String sort) {
    return Map.of("type", AttributeValue.fromS(partition), "id", AttributeValue.fromS(sort));
  }

  /** A new thing's item, at version 1, with the depth of the run that writes it. */
  private Map<String, AttributeValue> encode(Thing thing) {
    return item(new Thing(thing.type(), thing.id(), thing.fields(), thing.createdAt(), thing.modifiedAt(), 1), depth);
  }

  /** The item of {@code thing} as this store keeps it, written at trigger depth {@code depth}. */
  public static Map<String, AttributeValue> item(Thing thing, int depth) {
    Map<String, AttributeValue> item = new HashMap<>(key(thing.type(), thing.id()));
    if (depth > 0) {
      item.put(TRIGGER_DEPTH, AttributeValue.fromN(Integer.toString(depth)));
    }
    item.put("fields", AttributeValues.of(thing.fields()));
    item.put("created_at", AttributeValue.fromS(thing.createdAt().toString()));
    item.put("modified_at", AttributeValue.fromS(thing.modifiedAt().toString()));
    item.put(VERSION, AttributeValue.fromN(Long.toString(thing.version())));
    return item;
  }

  /**
   * A thing from its item: as stored, or as a stream record's image shows it.
   */
  public static Thing decode(Map<String, AttributeValue> item) {
    AttributeValue fields = item.get("fields");
    String partition = item.get("type").s();
    return new Thing(partition.substring(0, partition.lastIndexOf('#')), item.get("id").s(),
        fields == null ? Map.of() : AttributeValues.plainMap(fields.m()),
        Instant.parse(item.get("created_at").s()), Instant.parse(item.get("modified_at").s()),
        item.containsKey(VERSION) ? Long.parseLong(item.get(VERSION).n()) : 1);
  }
}
