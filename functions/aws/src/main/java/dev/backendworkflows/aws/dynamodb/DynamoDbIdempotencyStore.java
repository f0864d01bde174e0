package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.execution.IdempotencyRecord;
import dev.backendworkflows.execution.IdempotencyStore;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * {@link IdempotencyStore} in the Runs table: an item {@code idempotency#<key>} of kind
 * {@value #KIND} naming its run and request hash, expiring (TTL) with the key. A claim is a PutItem
 * conditional on no live item: {@code attribute_not_exists(run_id) OR expires_at < :now}.
 */
public final class DynamoDbIdempotencyStore implements IdempotencyStore {
  static final String KIND = "idempotency";
  private static final String PREFIX = "idempotency#";
  private final DynamoDbClient client;
  private final String table;

  public DynamoDbIdempotencyStore(DynamoDbClient client, String table) {
    this.client = client;
    this.table = table;
  }

  @Override
  public Optional<IdempotencyRecord> get(String key) {
    var item = client.getItem(b -> b.tableName(table).key(Map.of("run_id", AttributeValue.fromS(PREFIX + key))).consistentRead(true))
        .item();
    if (item == null || !KIND.equals(item.getOrDefault("kind", AttributeValue.fromS("")).s())) {
      return Optional.empty();
    }
    return Optional.of(new IdempotencyRecord(key, item.get("key_run_id").s(), item.get("request_hash").s(),
        Instant.ofEpochSecond(Long.parseLong(item.get(DynamoDbTables.RUNS_TTL_ATTRIBUTE).n()))));
  }

  @Override
  public boolean claim(IdempotencyRecord record, Instant now) {
    try {
      client.putItem(b -> b.tableName(table).item(Map.of("run_id", AttributeValue.fromS(PREFIX + record.key()),
              "kind", AttributeValue.fromS(KIND), "key_run_id", AttributeValue.fromS(record.runId()),
              "request_hash", AttributeValue.fromS(record.requestHash()),
              DynamoDbTables.RUNS_TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(record.expiresAt().getEpochSecond()))))
          .conditionExpression("attribute_not_exists(run_id) OR #exp <= :now")
          .expressionAttributeNames(Map.of("#exp", DynamoDbTables.RUNS_TTL_ATTRIBUTE))
          .expressionAttributeValues(Map.of(":now", AttributeValue.fromN(Long.toString(now.getEpochSecond())))));
      return true;
    } catch (ConditionalCheckFailedException live) {
      return false;
    }
  }
}
