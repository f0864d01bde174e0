package dev.backendworkflows.aws.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.testsupport.Emulator;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

class ApiKeyToolTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) {
    out.reset();
    err.reset();
    return ApiKeyTool.run(Emulator.sharedClient(), List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void create_whenScoped_issuesAKeyThatMayCallOnlyThoseWorkflows() {
    String table = Emulator.sharedTables().apiKeys();
    String name = "billing-" + System.nanoTime();
    assertThat(run("create", "--table", table, "--name", name, "--workflows", "charge, refund")).isZero();
    String key = out().strip();
    assertThat(key).startsWith(ApiKeys.PREFIX);
    assertThat(err()).contains("charge, refund").contains("shown only now").doesNotContain(key);
    var stored = new ApiKeys(new DynamoDbApiKeyStore(Emulator.sharedClient(), table), Clock.systemUTC()).authenticate(key).orElseThrow();
    assertThat(stored.admin()).isFalse();
    assertThat(stored.workflows()).containsExactly("charge", "refund");
  }

  @Test
  void listThenRevoke_showsTheKeyWithoutItsSecretThenRemovesIt() {
    String table = Emulator.sharedTables().apiKeys();
    String name = "ops-" + System.nanoTime();
    assertThat(run("create", "--table", table, "--name", name, "--admin")).isZero();
    String key = out().strip();

    assertThat(run("list", "--table", table)).isZero();
    assertThat(out()).contains(name + "\tadmin\tcreated ").doesNotContain(key).doesNotContain(ApiKeys.hash(key));

    assertThat(run("revoke", "--table", table, "--name", name)).isZero();
    assertThat(err()).contains("Revoked 1 key named '" + name + "'");
    assertThat(new ApiKeys(new DynamoDbApiKeyStore(Emulator.sharedClient(), table), Clock.systemUTC()).authenticate(key)).isEmpty();
    assertThat(run("revoke", "--table", table, "--name", name)).isEqualTo(1);
    assertThat(err()).contains("No key is named");
  }

  @Test
  void badArguments_exitWithUsageAndTouchNothing() {
    assertThat(run()).isEqualTo(2);
    assertThat(err()).contains("usage: ApiKeyTool create");
    assertThat(run("create", "--name", "x")).isEqualTo(2);
    assertThat(run("create", "--table", "t", "--name", "x", "--admin", "--workflows", "a")).isEqualTo(2);
    assertThat(err()).contains("either --admin or --workflows");
    assertThat(run("create", "--table", "t", "--nmae", "x")).isEqualTo(2);
    assertThat(err()).contains("unknown option '--nmae'");
    assertThat(run("revoke", "--table", "t", "--name")).isEqualTo(2);
    assertThat(err()).contains("--name needs a value");
    assertThat(out()).isEmpty();
  }
}
