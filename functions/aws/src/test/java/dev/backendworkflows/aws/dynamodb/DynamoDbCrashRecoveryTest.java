package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.execution.CrashRecoveryContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

/** The crash-injection suite on the DynamoDB adapters, over the wire to the emulator, fresh tables per crash point. */
class DynamoDbCrashRecoveryTest extends CrashRecoveryContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return freshStores();
  }

  /** The DynamoDB adapters on fresh tables in the emulator, made for a clock. */
  static Function<MutableClock, Fixtures.Stores> freshStores() {
    var client = Emulator.sharedClient();
    return clock -> {
      DynamoDbTables tables = Emulator.freshTables(client);
      return new Fixtures.Stores(new DynamoDbThingStore(client, tables.things()), new DynamoDbRunLog(client, tables.runs(), clock),
          new DynamoDbScheduleStore(client, tables.schedules()), new DynamoDbIdempotencyStore(client, tables.runs()));
    };
  }
}
