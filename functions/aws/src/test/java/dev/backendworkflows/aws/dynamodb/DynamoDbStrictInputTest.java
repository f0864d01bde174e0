package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.http.StrictInputContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

/** Strict input with the DynamoDB adapters behind: the same codes as on the local stores. */
class DynamoDbStrictInputTest extends StrictInputContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return DynamoDbCrashRecoveryTest.freshStores();
  }
}
