package dev.backendworkflows.execution;

import dev.backendworkflows.execution.local.MapIdempotencyStore;

class MapIdempotencyStoreTest extends IdempotencyStoreContract {
  @Override
  protected IdempotencyStore newStore() {
    return new MapIdempotencyStore();
  }
}
