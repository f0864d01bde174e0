package dev.backendworkflows.aws.dynamodb;

import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveSpecification;

/**
 * The table design, in one place: names (from the function environment) and key schemas. The
 * local runner and the tests create tables from here; {@code template.yaml} must declare the same.
 *
 * <ul>
 *   <li>Things: {@code type} (hash: {@code <type>#<shard>}, 8 shards from the id) + {@code id} (range,
 *       time-ordered), fields in the map {@code fields}, {@code version}; claims (unique values,
 *       once-only receipts) as items {@code _claim#<key>} + {@code _} with {@code owner}; index
 *       listings as items {@code _index#<type>#<field>#<digest>} + the thing's id; TTL on
 *       {@code expires_at}, which only receipts carry.
 *   <li>Runs: {@code run_id} (hash); indexes {@code by-workflow} and {@code by-status}, both ranged by
 *       {@code started_at}; TTL on {@code expires_at}.
 *   <li>ApiKeys: {@code key_hash} (hash): the SHA-256 of a key, never the key.
 *   <li>Schedules: {@code id} (hash); indexes {@code by-status-due} ({@code status}, {@code due_at}) and
 *       {@code by-chain} ({@code chain_id}, {@code due_at});
 *       TTL on {@code expires_at}, set only once a run has finished.
 * </ul>
 */
public record DynamoDbTables(String things, String runs, String apiKeys, String schedules) {
  public static final String ENV_THINGS = "THINGS_TABLE";
  public static final String ENV_RUNS = "RUNS_TABLE";
  public static final String ENV_API_KEYS = "API_KEYS_TABLE";
  public static final String ENV_SCHEDULES = "SCHEDULES_TABLE";
  public static final String SCHEDULES_BY_STATUS = "by-status-due";
  public static final String SCHEDULES_BY_CHAIN = "by-chain";
  /** Failed batch items by job: sparse (only failed items carry {@code failed_in}), so a page of failures costs a page. */
  public static final String SCHEDULES_BY_FAILED = "by-failed-chain";
  public static final String SCHEDULES_TTL_ATTRIBUTE = "expires_at";
  public static final String RUNS_BY_WORKFLOW = "by-workflow";
  public static final String RUNS_BY_STATUS = "by-status";
  public static final String RUNS_TTL_ATTRIBUTE = "expires_at";
  /** What the Things table's stream records show: the item before and after each change. */
  public static final software.amazon.awssdk.services.dynamodb.model.StreamViewType THINGS_STREAM_VIEW =
      software.amazon.awssdk.services.dynamodb.model.StreamViewType.NEW_AND_OLD_IMAGES;
  /** Only claims that expire carry it (once-only receipts of changes); things never do. */
  public static final String THINGS_TTL_ATTRIBUTE = "expires_at";

  /** Table names from the function environment, with the given prefix as the default. */
  public static DynamoDbTables fromEnvironment(Map<String, String> env, String defaultPrefix) {
    return new DynamoDbTables(env.getOrDefault(ENV_THINGS, defaultPrefix + "things"),
        env.getOrDefault(ENV_RUNS, defaultPrefix + "runs"), env.getOrDefault(ENV_API_KEYS, defaultPrefix + "api-keys"),
        env.getOrDefault(ENV_SCHEDULES, defaultPrefix + "schedules"));
  }

  public static DynamoDbTables withPrefix(String prefix) {
    return new DynamoDbTables(prefix + "things", prefix + "runs", prefix + "api-keys", prefix + "schedules");
  }

  public List<CreateTableRequest> definitions() {
    return List.of(
        CreateTableRequest.builder().tableName(things).billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(attr("type"), attr("id"))
            .keySchema(key("type", KeyType.HASH), key("id", KeyType.RANGE))
            // data_change workflows read each change with the thing before and after it
            .streamSpecification(b -> b.streamEnabled(true).streamViewType(THINGS_STREAM_VIEW)).build(),
        CreateTableRequest.builder().tableName(runs).billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(attr("run_id"), attr("workflow"), attr("status"), attr("started_at"))
            .keySchema(key("run_id", KeyType.HASH))
            .globalSecondaryIndexes(index(RUNS_BY_WORKFLOW, "workflow"), index(RUNS_BY_STATUS, "status")).build(),
        CreateTableRequest.builder().tableName(apiKeys).billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(attr("key_hash"))
            .keySchema(key("key_hash", KeyType.HASH)).build(),
        CreateTableRequest.builder().tableName(schedules).billingMode(BillingMode.PAY_PER_REQUEST)
            .attributeDefinitions(attr("id"), attr("status"), attr("due_at"), attr("chain_id"), attr("failed_in"))
            .keySchema(key("id", KeyType.HASH))
            .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName(SCHEDULES_BY_STATUS)
                .keySchema(key("status", KeyType.HASH), key("due_at", KeyType.RANGE))
                .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build(),
                GlobalSecondaryIndex.builder().indexName(SCHEDULES_BY_CHAIN)
                .keySchema(key("chain_id", KeyType.HASH), key("due_at", KeyType.RANGE))
                .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build(),
                GlobalSecondaryIndex.builder().indexName(SCHEDULES_BY_FAILED)
                .keySchema(key("failed_in", KeyType.HASH), key("id", KeyType.RANGE))
                .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build()).build());
  }

  /** Table name → its TTL attribute, for the tables that have one. */
  public Map<String, String> timeToLive() {
    return Map.of(things, THINGS_TTL_ATTRIBUTE, runs, RUNS_TTL_ATTRIBUTE, schedules, SCHEDULES_TTL_ATTRIBUTE);
  }

  /** Creates any missing table and waits until it is active; existing tables are left alone. */
  public void createIfMissing(DynamoDbClient client) {
    createIfMissing(client, true);
  }

  /**
   * Creates any missing table, the Things table with its stream only when {@code thingsStream}: an
   * emulator that copies its whole state on every transaction (moto) slows down as the stream's
   * records pile up, so tests that read no stream leave it off.
   */
  public void createIfMissing(DynamoDbClient client, boolean thingsStream) {
    for (CreateTableRequest designed : definitions()) {
      CreateTableRequest def = !thingsStream && designed.tableName().equals(things)
          ? designed.toBuilder().streamSpecification((software.amazon.awssdk.services.dynamodb.model.StreamSpecification) null).build()
          : designed;
      try {
        client.createTable(def);
      } catch (ResourceInUseException alreadyThere) {
        continue;
      }
      client.waiter().waitUntilTableExists(b -> b.tableName(def.tableName()));
      String ttl = timeToLive().get(def.tableName());
      if (ttl != null) {
        client.updateTimeToLive(b -> b.tableName(def.tableName()).timeToLiveSpecification(
            TimeToLiveSpecification.builder().attributeName(ttl).enabled(true).build()));
      }
    }
  }

  private static AttributeDefinition attr(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.S).build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }

  private static GlobalSecondaryIndex index(String name, String hash) {
    return GlobalSecondaryIndex.builder().indexName(name)
        .keySchema(key(hash, KeyType.HASH), key("started_at", KeyType.RANGE))
        .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build();
  }
}
