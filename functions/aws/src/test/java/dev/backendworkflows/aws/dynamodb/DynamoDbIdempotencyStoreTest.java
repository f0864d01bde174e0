package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.execution.IdempotencyStore;
import dev.backendworkflows.execution.IdempotencyStoreContract;

class DynamoDbIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected java.util.Optional<String> concurrentWritesNotSerialisedBecause() {
    return Emulator.isMoto() ? java.util.Optional.of(Emulator.MOTO_CONCURRENCY) : java.util.Optional.empty();
  }

  @Override
  protected IdempotencyStore newStore() {
    return new DynamoDbIdempotencyStore(Emulator.sharedClient(), Emulator.sharedTables().runs());
  }
}
