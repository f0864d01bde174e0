package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunLogContract;
import dev.backendworkflows.testutils.MutableClock;

class DynamoDbRunLogTest extends RunLogContract {
  @Override
  protected RunLog newLog(MutableClock clock) {
    return new DynamoDbRunLog(Emulator.sharedClient(), Emulator.sharedTables().runs(), clock);
  }
}
