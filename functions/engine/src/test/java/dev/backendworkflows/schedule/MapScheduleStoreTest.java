package dev.backendworkflows.schedule;

import dev.backendworkflows.schedule.local.MapScheduleStore;

class MapScheduleStoreTest extends ScheduleStoreContract {
  @Override
  protected ScheduleStore newStore() {
    return new MapScheduleStore();
  }
}
