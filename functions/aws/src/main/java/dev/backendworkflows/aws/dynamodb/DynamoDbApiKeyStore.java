package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link ApiKeyStore} on the ApiKeys table, keyed by the key's SHA-256 hash. */
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
    return Optional.of(new ApiKey(keyHash, item.get("name").s(), Boolean.TRUE.equals(item.get("admin").bool()),
        Instant.parse(item.get("created_at").s())));
  }

  @Override
  public void put(ApiKey key) {
    // keys are issued by the operator's tool (CreateApiKey), never by a function: not called in Lambda
    client.putItem(b -> b.tableName(table).item(Map.of( // not called in Lambda
        "key_hash", AttributeValue.fromS(key.keyHash()),
        "name", AttributeValue.fromS(key.name()),
        "admin", AttributeValue.fromBool(key.admin()),
        "created_at", AttributeValue.fromS(key.createdAt().toString()))));
  }
}
