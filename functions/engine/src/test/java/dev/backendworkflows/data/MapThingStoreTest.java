package dev.backendworkflows.data;

import dev.backendworkflows.data.local.MapThingStore;

class MapThingStoreTest extends ThingStoreContract {
  @Override
  protected ThingStore newStore() {
    return new MapThingStore();
  }
}
