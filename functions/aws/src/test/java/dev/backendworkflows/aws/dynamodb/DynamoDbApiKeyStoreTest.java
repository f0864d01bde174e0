package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.ApiKeyStoreContract;
import dev.backendworkflows.aws.testsupport.Emulator;

class DynamoDbApiKeyStoreTest extends ApiKeyStoreContract {
  @Override
  protected ApiKeyStore newStore() {
    return new DynamoDbApiKeyStore(Emulator.sharedClient(), Emulator.sharedTables().apiKeys());
  }
}
