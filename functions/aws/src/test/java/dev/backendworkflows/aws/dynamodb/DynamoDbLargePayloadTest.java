package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.execution.LargePayloadContract;
import dev.backendworkflows.testutils.Fixtures;
import dev.backendworkflows.testutils.MutableClock;
import java.util.function.Function;

/** Large payloads on the DynamoDB adapters, against the emulator's 400 KB item limit. */
class DynamoDbLargePayloadTest extends LargePayloadContract {
  @Override
  protected Function<MutableClock, Fixtures.Stores> stores() {
    return DynamoDbCrashRecoveryTest.freshStores();
  }
}
