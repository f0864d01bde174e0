package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.ScheduleStoreContract;

class DynamoDbScheduleStoreTest extends ScheduleStoreContract {
  @Override
  protected ScheduleStore newStore() {
    return new DynamoDbScheduleStore(Emulator.sharedClient(), Emulator.sharedTables().schedules());
  }
}
