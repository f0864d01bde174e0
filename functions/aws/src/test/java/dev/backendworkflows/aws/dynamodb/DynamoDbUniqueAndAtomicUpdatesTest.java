package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.engine.UniqueAndAtomicUpdatesContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.Optional;
import java.util.function.Function;

class DynamoDbUniqueAndAtomicUpdatesTest extends UniqueAndAtomicUpdatesContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return Emulator.stores(Emulator.sharedClient());
  }

  @Override
  protected Optional<String> concurrentWritesNotSerialisedBecause() {
    return Emulator.isMoto() ? Optional.of(Emulator.MOTO_CONCURRENCY) : Optional.empty();
  }
}
