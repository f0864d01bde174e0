package dev.backendworkflows.aws.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The meter the request budgets use charges what DynamoDB's billing rules say, on items of known size. */
class CapacityMeterTest {
  private static Map<String, AttributeValue> run(String id, String status, int padding) {
    Map<String, AttributeValue> item = new HashMap<>(Map.of("run_id", AttributeValue.fromS(id), "workflow", AttributeValue.fromS("w"),
        "status", AttributeValue.fromS(status), "started_at", AttributeValue.fromS("2026-11-27T10:00:00Z")));
    item.put("record", AttributeValue.fromS("x".repeat(padding)));
    return item;
  }

  @Test
  void writeUnits_ofItemsAndTheirIndexEntries_followDynamoDbsRules() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    CapacityMeter meter = new CapacityMeter(Emulator.sharedClient(), tables);
    DynamoDbClient client = Emulator.dynamoDb(meter);

    client.putItem(b -> b.tableName(tables.apiKeys()).item(Map.of("key_hash", AttributeValue.fromS("k"),
        "name", AttributeValue.fromS("y".repeat(1500)))));
    assertThat(meter.writeUnits()).as("1.5 KB in a table without indexes").isEqualTo(2);

    meter.reset();
    client.putItem(b -> b.tableName(tables.runs()).item(run("r1", "running", 100)));
    assertThat(meter.writeUnits()).as("a small run: its item and an entry in each of its two indexes").isEqualTo(3);

    meter.reset();
    client.putItem(b -> b.tableName(tables.runs()).item(run("r1", "succeeded", 100)));
    assertThat(meter.writeUnits()).as("its end: the item, the by-workflow entry rewritten, the by-status entry moved").isEqualTo(4);

    meter.reset();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.putItem(b -> b.tableName(tables.apiKeys()).item(Map.of(
        "key_hash", AttributeValue.fromS("k"))).conditionExpression("attribute_not_exists(key_hash)")))
        .isInstanceOf(software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException.class);
    assertThat(meter.writeUnits()).as("a write refused by its condition: the 1.5 KB item as it is").isEqualTo(2);

    meter.reset();
    client.transactWriteItems(b -> b.transactItems(t -> t.put(p -> p.tableName(tables.apiKeys()).item(Map.of(
        "key_hash", AttributeValue.fromS("t"), "name", AttributeValue.fromS("z"))))));
    assertThat(meter.writeUnits()).as("a small item in a transaction").isEqualTo(2);
  }

  @Test
  void readUnits_ofAConsistentReadAreOnePerFourKilobytes() {
    DynamoDbTables tables = Emulator.freshTables(Emulator.sharedClient());
    CapacityMeter meter = new CapacityMeter(Emulator.sharedClient(), tables);
    Emulator.sharedClient().putItem(b -> b.tableName(tables.apiKeys()).item(Map.of("key_hash", AttributeValue.fromS("big"),
        "name", AttributeValue.fromS("y".repeat(5000)))));
    DynamoDbClient client = Emulator.dynamoDb(meter);
    client.getItem(b -> b.tableName(tables.apiKeys()).key(Map.of("key_hash", AttributeValue.fromS("big"))).consistentRead(true));
    assertThat(meter.readUnits()).isEqualTo(2);
    client.getItem(b -> b.tableName(tables.apiKeys()).key(Map.of("key_hash", AttributeValue.fromS("big"))));
    assertThat(meter.readUnits()).as("an eventually consistent read costs half").isEqualTo(3);
  }
}
