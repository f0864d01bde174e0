package dev.backendworkflows.auth;

import dev.backendworkflows.auth.local.MapApiKeyStore;

class MapApiKeyStoreTest extends ApiKeyStoreContract {
  @Override
  protected ApiKeyStore newStore() {
    return new MapApiKeyStore();
  }
}
