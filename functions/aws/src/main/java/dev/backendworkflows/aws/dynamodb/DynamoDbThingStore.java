package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.SearchSemantics;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.exceptions.ThingAlreadyExistsException;
import dev.backendworkflows.exceptions.ThingNotFoundException;
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
 * {@link ThingStore} on the Things table. Creates and updates are conditional writes, so a create
 * never overwrites and an update never creates; updates set fields one by one (no read-modify-write).
 * Constraints run server-side as a filter expression over a query of the type's partition.
 */
public final class DynamoDbThingStore implements ThingStore {
  private final DynamoDbClient client;
  private final String table;

  public DynamoDbThingStore(DynamoDbClient client, String table) {
    this.client = client;
    this.table = table;
  }

  @Override
  public Optional<Thing> get(String type, String id) {
    var item = client.getItem(b -> b.tableName(table).key(key(type, id)).consistentRead(true)).item();
    return item == null || item.isEmpty() ? Optional.empty() : Optional.of(decode(item));
  }

  @Override
  public Thing create(Thing thing) {
    Map<String, AttributeValue> item = new HashMap<>(key(thing.type(), thing.id()));
    item.put("fields", AttributeValues.of(thing.fields()));
    item.put("created_at", AttributeValue.fromS(thing.createdAt().toString()));
    item.put("modified_at", AttributeValue.fromS(thing.modifiedAt().toString()));
    try {
      client.putItem(b -> b.tableName(table).item(item).conditionExpression("attribute_not_exists(id)"));
    } catch (ConditionalCheckFailedException e) {
      throw new ThingAlreadyExistsException(thing.type(), thing.id());
    }
    return thing;
  }

  @Override
  public Thing update(String type, String id, Map<String, Object> changes, Instant modifiedAt) {
    Map<String, String> names = new HashMap<>(Map.of("#fields", "fields", "#modified", "modified_at"));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":modified", AttributeValue.fromS(modifiedAt.toString())));
    List<String> sets = new ArrayList<>(List.of("#modified = :modified"));
    List<String> removes = new ArrayList<>();
    int i = 0;
    for (var change : changes.entrySet()) {
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
    String expression = "SET " + String.join(", ", sets) + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
    try {
      var result = client.updateItem(b -> b.tableName(table).key(key(type, id)).updateExpression(expression)
          .conditionExpression("attribute_exists(id)").expressionAttributeNames(names)
          .expressionAttributeValues(values).returnValues(ReturnValue.ALL_NEW));
      return decode(result.attributes());
    } catch (ConditionalCheckFailedException e) {
      throw new ThingNotFoundException(type, id);
    }
  }

  @Override
  public boolean delete(String type, String id) {
    var result = client.deleteItem(b -> b.tableName(table).key(key(type, id)).returnValues(ReturnValue.ALL_OLD));
    return result.hasAttributes() && !result.attributes().isEmpty();
  }

  @Override
  public ThingPage search(ThingQuery query) {
    SearchSemantics.Position position = SearchSemantics.position(query);
    Map<String, String> names = new HashMap<>(Map.of("#type", "type"));
    Map<String, AttributeValue> values = new HashMap<>(Map.of(":type", AttributeValue.fromS(query.type())));
    List<String> filters = new ArrayList<>();
    for (int i = 0; i < query.constraints().size(); i++) {
      Constraint c = query.constraints().get(i);
      boolean ordered = c.op() != Constraint.Op.EQ && c.op() != Constraint.Op.NE;
      if (ordered && !(c.value() instanceof String || c.value() instanceof Number)) {
        return new ThingPage(List.of(), null); // an order comparison with such a value never holds
      }
      String field = "#fields.#c" + i;
      names.put("#fields", "fields");
      names.put("#c" + i, c.field());
      if (c.value() == null) {
        if (c.op() == Constraint.Op.EQ) {
          return new ThingPage(List.of(), null); // nothing equals a missing value
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
    QueryRequest.Builder request = QueryRequest.builder().tableName(table)
        .keyConditionExpression("#type = :type").expressionAttributeNames(names).expressionAttributeValues(values);
    if (!filters.isEmpty()) {
      request.filterExpression(String.join(" AND ", filters));
    }
    if (position.afterId() != null) {
      request.exclusiveStartKey(key(query.type(), position.afterId()));
    }
    var matches = client.queryPaginator(request.build()).items().stream().map(DynamoDbThingStore::decode).iterator();
    return SearchSemantics.page(query, matches);
  }

  private static Map<String, AttributeValue> key(String type, String id) {
    return Map.of("type", AttributeValue.fromS(type), "id", AttributeValue.fromS(id));
  }

  private static Thing decode(Map<String, AttributeValue> item) {
    AttributeValue fields = item.get("fields");
    return new Thing(item.get("type").s(), item.get("id").s(),
        fields == null ? Map.of() : AttributeValues.plainMap(fields.m()),
        Instant.parse(item.get("created_at").s()), Instant.parse(item.get("modified_at").s()));
  }
}
