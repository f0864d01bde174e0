package dev.backendworkflows.aws.tools;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import java.io.PrintStream;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * Issues, lists and revokes the API keys of a deployed stack (its ApiKeys table holds only their
 * SHA-256 hashes; a new key is printed once). Uses the default AWS credentials and region.
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am
 * -Dexec.mainClass=dev.backendworkflows.aws.tools.ApiKeyTool -Dexec.args="create --table <ApiKeysTableName> --name app --workflows a,b"}
 */
public final class ApiKeyTool {
  static final String USAGE = """
      usage: ApiKeyTool create --table <ApiKeysTableName> --name <who uses it> [--workflows a,b | --admin]
             ApiKeyTool list   --table <ApiKeysTableName>
             ApiKeyTool revoke --table <ApiKeysTableName> --name <name>
        --workflows  the only workflows the key may call (default: every API workflow)
        --admin      the key may also read run logs and manage schedules and batch jobs""";

  private ApiKeyTool() {}

  /** Runs one command; @return the exit code (0 done, 1 nothing to revoke, 2 bad arguments). */
  static int run(DynamoDbClient client, List<String> args, PrintStream out, PrintStream err) {
    if (args.isEmpty() || !List.of("create", "list", "revoke").contains(args.get(0))) {
      err.println(USAGE);
      return 2;
    }
    String table = null;
    String name = null;
    boolean admin = false;
    List<String> workflows = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      String flag = args.get(i);
      if (flag.equals("--admin")) {
        admin = true;
        continue;
      }
      if (!List.of("--table", "--name", "--workflows").contains(flag)) {
        err.println("unknown option '" + flag + "'\n" + USAGE);
        return 2;
      }
      if (i + 1 >= args.size()) {
        err.println(flag + " needs a value\n" + USAGE);
        return 2;
      }
      String value = args.get(++i);
      switch (flag) {
        case "--table" -> table = value;
        case "--name" -> name = value;
        default -> Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(workflows::add);
      }
    }
    String command = args.get(0);
    if (table == null || (!command.equals("list") && (name == null || name.isBlank()))) {
      err.println(USAGE);
      return 2;
    }
    if (admin && !workflows.isEmpty()) {
      err.println("--admin keys may call every workflow: give either --admin or --workflows\n" + USAGE);
      return 2;
    }
    ApiKeys keys = new ApiKeys(new DynamoDbApiKeyStore(client, table), Clock.systemUTC());
    switch (command) {
      case "create" -> {
        out.println(keys.issue(name, admin, workflows));
        err.println("Issued an API key named '" + name + "' (" + new ApiKey("", name, admin, null, workflows).scope()
            + "). It is shown only now; send it as 'Authorization: Bearer <key>'.");
        return 0;
      }
      case "list" -> {
        for (ApiKey k : keys.list()) {
          out.println(k.name() + "\t" + k.scope() + "\tcreated " + k.createdAt());
        }
        return 0;
      }
      default -> {
        int n = keys.revoke(name);
        err.println(n == 0 ? "No key is named '" + name + "'." : "Revoked " + n + " key" + (n == 1 ? "" : "s") + " named '" + name + "'.");
        return n == 0 ? 1 : 0;
      }
    }
  }

  public static void main(String[] args) {
    System.exit(run(AwsRuntime.dynamoDb(System.getenv()), List.of(args), System.out, System.err));
  }
}
