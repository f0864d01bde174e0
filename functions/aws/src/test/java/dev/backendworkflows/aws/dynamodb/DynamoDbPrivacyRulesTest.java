package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.engine.PrivacyRulesContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

class DynamoDbPrivacyRulesTest extends PrivacyRulesContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return Emulator.stores(Emulator.sharedClient());
  }
}
