package dev.backendworkflows.execution;

import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

class MapStoresLargePayloadTest extends LargePayloadContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return Fixtures.Stores::local;
  }
}
