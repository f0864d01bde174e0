package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingStoreContract;

class DynamoDbThingStoreTest extends ThingStoreContract {
  @Override
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return Emulator.isMoto() ? java.util.Optional.of(Emulator.MOTO_CONCURRENCY) : java.util.Optional.empty();
  }

  @Override
  protected ThingStore newStore() {
    return new DynamoDbThingStore(Emulator.sharedClient(), Emulator.sharedTables().things());
  }
}
