package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.ScheduleStoreContract;

class DynamoDbScheduleStoreTest extends ScheduleStoreContract {
  @Override
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return Emulator.isMoto() ? java.util.Optional.of(Emulator.MOTO_CONCURRENCY) : java.util.Optional.empty();
  }

  @Override
  protected ScheduleStore newStore() {
    return new DynamoDbScheduleStore(Emulator.sharedClient(), Emulator.sharedTables().schedules());
  }
}
