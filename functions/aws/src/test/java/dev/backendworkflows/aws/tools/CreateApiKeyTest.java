package dev.backendworkflows.aws.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.testsupport.Emulator;
import java.time.Clock;
import org.junit.jupiter.api.Test;

class CreateApiKeyTest {
  @Test
  void issuedKeyAuthenticatesAgainstTheStacksTable() {
    var client = Emulator.sharedClient();
    String table = Emulator.sharedTables().apiKeys();
    String key = CreateApiKey.issue(client, table, "first", true);
    assertThat(key).startsWith(ApiKeys.PREFIX);
    assertThat(new ApiKeys(new DynamoDbApiKeyStore(client, table), Clock.systemUTC()).authenticate(key))
        .get().satisfies(k -> assertThat(k.admin()).isTrue());
  }
}
