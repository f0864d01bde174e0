package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * {@link ApiKeyStore} on the ApiKeys table, keyed by the key's SHA-256 hash. Functions only read
 * it; keys are issued, listed and revoked by the operator's tool ({@code ApiKeyTool}).
 */
public final class DynamoDbApiKeyStore implements ApiKeyStore {
  private final DynamoDbClient client;
  private final String table;

  public DynamoDbApiKeyStore(DynamoDbClient client, String table) {
    this.client = client;
    this.table = table;
  }

  @Override
  public Optional<ApiKey> find(String keyHash) {
    var item = client.getItem(b -> b.tableName(table).key(Map.of("key_hash", AttributeValue.fromS(keyHash)))).item();
    if (item == null || item.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(decode(item));
  }

  @Override
  public void put(ApiKey key) {
    Map<String, AttributeValue> item = new HashMap<>();
    item.put("key_hash", AttributeValue.fromS(key.keyHash()));
    item.put("name", AttributeValue.fromS(key.name()));
    item.put("admin", AttributeValue.fromBool(key.admin()));
    item.put("created_at", AttributeValue.fromS(key.createdAt().toString()));
    if (!key.workflows().isEmpty()) {
      item.put("workflows", AttributeValue.fromL(key.workflows().stream().map(AttributeValue::fromS).toList()));
    }
    client.putItem(b -> b.tableName(table).item(item)); // not called in Lambda
  }

  @Override
  public List<ApiKey> list() {
    List<ApiKey> keys = new ArrayList<>();
    client.scanPaginator(b -> b.tableName(table)).items().forEach(item -> keys.add(decode(item))); // not called in Lambda
    return keys;
  }

  @Override
  public boolean delete(String keyHash) {
    var old = client.deleteItem(b -> b.tableName(table) // not called in Lambda
        .key(Map.of("key_hash", AttributeValue.fromS(keyHash))).returnValues(ReturnValue.ALL_OLD)).attributes();
    return old != null && !old.isEmpty();
  }

  private static ApiKey decode(Map<String, AttributeValue> item) {
    List<String> workflows = item.containsKey("workflows") ? item.get("workflows").l().stream().map(AttributeValue::s).toList() : List.of();
    return new ApiKey(item.get("key_hash").s(), item.get("name").s(), Boolean.TRUE.equals(item.get("admin").bool()),
        Instant.parse(item.get("created_at").s()), workflows);
  }
}
