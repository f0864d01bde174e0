package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunLogContract;
import dev.backendworkflows.testutils.MutableClock;

public class DynamoDbRunLogTest extends RunLogContract {
  @Override
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return Emulator.isMoto() ? java.util.Optional.of(Emulator.MOTO_CONCURRENCY) : java.util.Optional.empty();
  }

  @Override
  protected RunLog newLog(MutableClock clock) {
    return new DynamoDbRunLog(Emulator.sharedClient(), Emulator.sharedTables().runs(), clock);
  }

  @Override
  protected void writeAsBeforeJournals(dev.backendworkflows.runlog.RunRecord r) {
    writeAsBeforeJournals(Emulator.sharedClient(), Emulator.sharedTables().runs(), r);
  }

  /** Puts the item as the adapter wrote it before runs had journals, versions and kinds. */
  public static void writeAsBeforeJournals(software.amazon.awssdk.services.dynamodb.DynamoDbClient client, String table,
      dev.backendworkflows.runlog.RunRecord r) {
    client.putItem(b -> b.tableName(table).item(java.util.Map.of(
        "run_id", AttributeValue.fromS(r.runId()), "workflow", AttributeValue.fromS(r.workflow()),
        "status", AttributeValue.fromS(r.status().wire()), "started_at", AttributeValue.fromS(r.startedAt().toString()),
        "expires_at", AttributeValue.fromN(Long.toString(r.expiresAt())),
        "record", AttributeValue.fromS(dev.backendworkflows.internal.Json.write(r)))));
  }
}
