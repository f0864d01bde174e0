package dev.backendworkflows.engine;

import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

class PrivacyRulesTest extends PrivacyRulesContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return Fixtures.Stores::local;
  }
}
