package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingStoreContract;

class DynamoDbThingStoreTest extends ThingStoreContract {
  @Override
  protected ThingStore newStore() {
    return new DynamoDbThingStore(Emulator.sharedClient(), Emulator.sharedTables().things());
  }
}
