package dev.backendworkflows.aws.tools;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import java.time.Clock;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issues an API key on a deployed stack: stores its SHA-256 hash in the stack's ApiKeys table and
 * prints the key once (it cannot be shown again). Uses the default AWS credentials and region.
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am
 * -Dexec.mainClass=dev.backendworkflows.aws.tools.CreateApiKey -Dexec.args="--table <ApiKeysTableName> --name app [--admin]"}
 */
public final class CreateApiKey {
  private CreateApiKey() {}

  /** Issues a key in {@code table} and returns it. */
  public static String issue(DynamoDbClient client, String table, String name, boolean admin) {
    return new ApiKeys(new DynamoDbApiKeyStore(client, table), Clock.systemUTC()).issue(name, admin);
  }

  public static void main(String[] args) {
    String table = null;
    String name = null;
    boolean admin = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--table" -> table = i + 1 < args.length ? args[++i] : null;
        case "--name" -> name = i + 1 < args.length ? args[++i] : null;
        case "--admin" -> admin = true;
        default -> table = "?" + args[i];
      }
    }
    if (table == null || table.startsWith("?") || name == null) {
      System.err.println("usage: CreateApiKey --table <ApiKeysTableName output of the stack> --name <who uses it> [--admin]");
      System.exit(2);
      return;
    }
    Map<String, String> env = System.getenv();
    String key = issue(AwsRuntime.dynamoDb(env), table, name, admin);
    System.out.println(key);
    System.err.println("Issued " + (admin ? "an admin" : "an") + " API key named '" + name + "'. It is shown only now; "
        + "send it as 'Authorization: Bearer <key>'.");
  }
}
