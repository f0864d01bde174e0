package dev.backendworkflows.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.testsupport.Emulator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class DynamoDbTablesTest {

  @Test
  void createsTablesWithIndexesAndRunTtlAndIsIdempotent() {
    DynamoDbClient client = Emulator.dynamoDb();
    DynamoDbTables tables = Emulator.freshTables(client);
    tables.createIfMissing(client); // second time: no error, nothing changes
    var runs = client.describeTable(b -> b.tableName(tables.runs())).table();
    assertThat(runs.globalSecondaryIndexes()).extracting(i -> i.indexName())
        .containsExactlyInAnyOrder(DynamoDbTables.RUNS_BY_WORKFLOW, DynamoDbTables.RUNS_BY_STATUS);
    var ttl = client.describeTimeToLive(b -> b.tableName(tables.runs())).timeToLiveDescription();
    assertThat(ttl.attributeName()).isEqualTo(DynamoDbTables.RUNS_TTL_ATTRIBUTE);
    assertThat(ttl.timeToLiveStatus()).isIn(TimeToLiveStatus.ENABLED, TimeToLiveStatus.ENABLING);
    assertThat(client.describeTable(b -> b.tableName(tables.things())).table().keySchema())
        .extracting(k -> k.attributeName()).containsExactly("type", "id");
  }
}
