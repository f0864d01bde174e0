package dev.backendworkflows.runlog;

import dev.backendworkflows.runlog.local.MapRunLog;
import dev.backendworkflows.testutils.MutableClock;

class MapRunLogTest extends RunLogContract {
  @Override
  protected RunLog newLog(MutableClock clock) {
    return new MapRunLog(clock);
  }
}
