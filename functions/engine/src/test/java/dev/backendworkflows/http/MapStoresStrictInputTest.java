package dev.backendworkflows.http;

import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

class MapStoresStrictInputTest extends StrictInputContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return Fixtures.Stores::local;
  }
}
