package dev.backendworkflows.local.tools;

import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeyStore;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.local.DataDirKeys;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Issues, lists and revokes API keys: a deployed stack's (its ApiKeys table, with the default AWS
 * credentials and region, or {@code AWS_ENDPOINT_URL}) or a local runner's data directory. Only
 * SHA-256 hashes are stored; a new key is printed once.
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am
 * -Dexec.mainClass=dev.backendworkflows.local.tools.ApiKeyTool -Dexec.args="create --table <ApiKeysTableName> --name app --workflows a,b"}
 */
public final class ApiKeyTool {
  static final String USAGE = """
      usage: ApiKeyTool create (--table <ApiKeysTableName> | --data-dir DIR) --name <who uses it> [--workflows a,b | --admin]
             ApiKeyTool list   (--table <ApiKeysTableName> | --data-dir DIR)
             ApiKeyTool revoke (--table <ApiKeysTableName> | --data-dir DIR) --name <name>
        --table      a deployed stack's ApiKeys table (the stack's ApiKeysTableName output)
        --data-dir   a local runner's --data-dir (stop the runner first: it reads keys when it starts)
        --workflows  the only workflows the key may call (default: every API workflow)
        --admin      the key may also read run logs and manage schedules, chains and batch jobs""";

  private static final java.util.regex.Pattern WORKFLOW_NAME = java.util.regex.Pattern.compile("^[a-z][a-z0-9-]{0,63}$");

  private ApiKeyTool() {}

  /** Runs one command; @return the exit code (0 done, 1 failed or nothing to revoke, 2 bad arguments). */
  public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
    if (args.isEmpty() || !List.of("create", "list", "revoke").contains(args.get(0))) {
      err.println(USAGE);
      return 2;
    }
    String table = null;
    String dataDir = null;
    String name = null;
    boolean admin = false;
    boolean scoped = false;
    List<String> workflows = new ArrayList<>();
    for (int i = 1; i < args.size(); i++) {
      String flag = args.get(i);
      if (flag.equals("--admin")) {
        admin = true;
        continue;
      }
      if (!List.of("--table", "--data-dir", "--name", "--workflows").contains(flag)) {
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
        case "--data-dir" -> dataDir = value;
        case "--name" -> name = value;
        default -> {
          scoped = true;
          Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty()).forEach(workflows::add);
        }
      }
    }
    // an empty scope would mean every workflow: a key meant to be narrow must never come out wide
    if (scoped && workflows.isEmpty()) {
      err.println("--workflows needs at least one workflow name\n" + USAGE);
      return 2;
    }
    for (String w : workflows) {
      if (!WORKFLOW_NAME.matcher(w).matches()) {
        err.println("'" + w + "' is not a workflow name (lower-case letters, digits and dashes)\n" + USAGE);
        return 2;
      }
    }
    String command = args.get(0);
    if ((table == null) == (dataDir == null)) {
      err.println("give one of --table or --data-dir\n" + USAGE);
      return 2;
    }
    if (!command.equals("list") && (name == null || name.isBlank())) {
      err.println("--name is required\n" + USAGE);
      return 2;
    }
    if (admin && !workflows.isEmpty()) {
      err.println("--admin keys may call every workflow: give either --admin or --workflows\n" + USAGE);
      return 2;
    }
    if (table != null) {
      return execute(command, name, admin, workflows, new DynamoDbApiKeyStore(AwsRuntime.dynamoDb(env), table), out, err);
    }
    try (DataDirKeys keys = DataDirKeys.open(Path.of(dataDir))) {
      return execute(command, name, admin, workflows, keys.store(), out, err);
    } catch (IllegalStateException inUse) {
      err.println("error: " + inUse.getMessage());
      return 1;
    } catch (Exception e) {
      err.println("error: cannot use " + dataDir + ": " + e.getMessage());
      return 1;
    }
  }

  private static int execute(String command, String name, boolean admin, List<String> workflows, ApiKeyStore store,
      PrintStream out, PrintStream err) {
    ApiKeys keys = new ApiKeys(store, Clock.systemUTC());
    switch (command) {
      case "create" -> {
        out.println(keys.issue(name, admin, workflows));
        err.println("Issued an API key named '" + name + "' (" + ApiKey.scope(admin, workflows)
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
    System.exit(run(List.of(args), System.getenv(), System.out, System.err));
  }
}
