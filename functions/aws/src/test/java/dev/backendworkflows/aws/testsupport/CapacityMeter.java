package dev.backendworkflows.aws.testsupport;

import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.DoubleAdder;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;

/**
 * What DynamoDB on demand would bill for the writes a client sends, worked out the way DynamoDB
 * bills them — an emulator does not (moto reports a constant). Before each write it reads the items
 * the write touches, after it reads them again, and charges: the larger of the item before and after,
 * in 1 KB units (twice in a transaction); for each global secondary index of the table (from
 * {@link DynamoDbTables#definitions}), a put of the new entry when an item enters it or its projected
 * attributes change, a delete when one leaves it, both when its index key changes (an entry is its
 * projected attributes plus 100 bytes); for a write refused by its condition, the item as it is.
 * Read units are counted for GetItem only (1 per 4 KB, half for an eventually consistent read): a
 * lower bound where a path also queries.
 * Attribute sizes follow DynamoDB's rules (names plus values; numbers about one byte per two digits).
 */
public final class CapacityMeter implements ExecutionInterceptor {
  private static final ExecutionAttribute<List<Touched>> TOUCHED = new ExecutionAttribute<>("capacity-meter-touched");
  private final DynamoDbClient reader;
  private final Map<String, CreateTableRequest> tables = new HashMap<>();
  private final DoubleAdder writeUnits = new DoubleAdder();
  private final DoubleAdder readUnits = new DoubleAdder();

  /** @param reader an uncounted client that reaches the same tables, to read items before and after */
  public CapacityMeter(DynamoDbClient reader, DynamoDbTables tables) {
    this.reader = reader;
    tables.definitions().forEach(d -> this.tables.put(d.tableName(), d));
  }

  /** Write request units since the last {@link #reset}. */
  public double writeUnits() {
    return writeUnits.sum();
  }

  /** Read request units since the last {@link #reset}. */
  public double readUnits() {
    return readUnits.sum();
  }

  public void reset() {
    writeUnits.reset();
    readUnits.reset();
  }

  private record Touched(String table, Map<String, AttributeValue> key, boolean transactional, Map<String, AttributeValue> before) {}

  @Override
  public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
    List<Touched> touched = new ArrayList<>();
    SdkRequest request = context.request();
    switch (request) {
      case PutItemRequest put -> touched.add(touch(put.tableName(), keyOf(put.tableName(), put.item()), false));
      case UpdateItemRequest update -> touched.add(touch(update.tableName(), update.key(), false));
      case DeleteItemRequest delete -> touched.add(touch(delete.tableName(), delete.key(), false));
      case TransactWriteItemsRequest tx -> {
        for (TransactWriteItem item : tx.transactItems()) {
          if (item.put() != null) {
            touched.add(touch(item.put().tableName(), keyOf(item.put().tableName(), item.put().item()), true));
          } else if (item.update() != null) {
            touched.add(touch(item.update().tableName(), item.update().key(), true));
          } else if (item.delete() != null) {
            touched.add(touch(item.delete().tableName(), item.delete().key(), true));
          } else if (item.conditionCheck() != null) { // a condition check is billed as a transactional write of the item
            Map<String, AttributeValue> now = read(item.conditionCheck().tableName(), item.conditionCheck().key());
            writeUnits.add(2 * units(size(now), 1024));
          }
        }
      }
      default -> { }
    }
    attributes.putAttribute(TOUCHED, touched);
  }

  @Override
  public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
    if (context.request() instanceof GetItemRequest get && context.response() instanceof GetItemResponse got) {
      double units = units(got.hasItem() ? size(got.item()) : 0, 4096);
      readUnits.add(Boolean.TRUE.equals(get.consistentRead()) ? units : units / 2);
    }
    List<Touched> touched = attributes.getAttribute(TOUCHED);
    if (touched == null) {
      return;
    }
    for (Touched t : touched) {
      Map<String, AttributeValue> after = read(t.table(), t.key());
      double units = units(Math.max(size(t.before()), size(after)), 1024) * (t.transactional() ? 2 : 1);
      CreateTableRequest table = tables.get(t.table());
      if (table != null && table.hasGlobalSecondaryIndexes()) {
        for (GlobalSecondaryIndex index : table.globalSecondaryIndexes()) {
          units += indexUnits(index, table, t.before(), after);
        }
      }
      writeUnits.add(units);
    }
  }

  /** A write refused by its condition (or a cancelled transaction) is billed too: the item as it is, no index entry. */
  @Override
  public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
    List<Touched> touched = attributes.getAttribute(TOUCHED);
    if (touched != null) {
      touched.forEach(t -> writeUnits.add(units(size(t.before()), 1024) * (t.transactional() ? 2 : 1)));
    }
  }

  private Touched touch(String table, Map<String, AttributeValue> key, boolean transactional) {
    return new Touched(table, key, transactional, read(table, key));
  }

  private Map<String, AttributeValue> read(String table, Map<String, AttributeValue> key) {
    Map<String, AttributeValue> item = reader.getItem(b -> b.tableName(table).key(key).consistentRead(true)).item();
    return item == null || item.isEmpty() ? null : item;
  }

  private Map<String, AttributeValue> keyOf(String table, Map<String, AttributeValue> item) {
    Map<String, AttributeValue> key = new HashMap<>();
    for (KeySchemaElement k : tables.get(table).keySchema()) {
      key.put(k.attributeName(), item.get(k.attributeName()));
    }
    return key;
  }

  private static double indexUnits(GlobalSecondaryIndex index, CreateTableRequest table, Map<String, AttributeValue> before,
      Map<String, AttributeValue> after) {
    Map<String, AttributeValue> was = entry(index, table, before);
    Map<String, AttributeValue> is = entry(index, table, after);
    if (was == null && is == null) {
      return 0;
    }
    if (was == null) {
      return units(size(is) + 100, 1024);
    }
    if (is == null) {
      return units(size(was) + 100, 1024);
    }
    boolean moved = index.keySchema().stream().anyMatch(k -> !Objects.equals(was.get(k.attributeName()), is.get(k.attributeName())));
    if (moved) {
      return units(size(was) + 100, 1024) + units(size(is) + 100, 1024);
    }
    return was.equals(is) ? 0 : units(Math.max(size(was), size(is)) + 100, 1024);
  }

  /** The item's entry in the index (its projected attributes), or null when it lacks an index key. */
  private static Map<String, AttributeValue> entry(GlobalSecondaryIndex index, CreateTableRequest table, Map<String, AttributeValue> item) {
    if (item == null || index.keySchema().stream().anyMatch(k -> !item.containsKey(k.attributeName()))) {
      return null;
    }
    if (index.projection().projectionType() == ProjectionType.ALL) {
      return item;
    }
    Map<String, AttributeValue> entry = new HashMap<>();
    List<String> keep = new ArrayList<>();
    index.keySchema().forEach(k -> keep.add(k.attributeName()));
    table.keySchema().forEach(k -> keep.add(k.attributeName()));
    if (index.projection().hasNonKeyAttributes()) {
      keep.addAll(index.projection().nonKeyAttributes());
    }
    keep.stream().filter(item::containsKey).forEach(a -> entry.put(a, item.get(a)));
    return entry;
  }

  private static double units(long bytes, int unit) {
    return Math.max(1, (bytes + unit - 1) / unit);
  }

  /** An item's size as DynamoDB counts it: each attribute's name and value. */
  static long size(Map<String, AttributeValue> item) {
    if (item == null) {
      return 0;
    }
    long total = 0;
    for (var e : item.entrySet()) {
      total += e.getKey().getBytes(StandardCharsets.UTF_8).length + size(e.getValue());
    }
    return total;
  }

  private static long size(AttributeValue v) {
    if (v.s() != null) {
      return v.s().getBytes(StandardCharsets.UTF_8).length;
    }
    if (v.n() != null) {
      return (v.n().replaceAll("[^0-9]", "").length() + 1) / 2 + 1;
    }
    if (v.b() != null) {
      return v.b().asByteArray().length;
    }
    if (v.hasM()) {
      return 3 + v.m().entrySet().stream().mapToLong(e -> e.getKey().getBytes(StandardCharsets.UTF_8).length + size(e.getValue()) + 1).sum();
    }
    if (v.hasL()) {
      return 3 + v.l().stream().mapToLong(x -> size(x) + 1).sum();
    }
    if (v.hasSs()) {
      return v.ss().stream().mapToLong(s -> s.getBytes(StandardCharsets.UTF_8).length).sum();
    }
    return 1; // BOOL, NULL
  }
}
