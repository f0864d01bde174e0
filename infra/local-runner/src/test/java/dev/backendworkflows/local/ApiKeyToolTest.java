package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.aws.dynamodb.DynamoDbApiKeyStore;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.local.tools.ApiKeyTool;
import dev.backendworkflows.testutils.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyToolTest {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Map<String, String> env = Map.of();
  @TempDir
  Path dataDir;

  private int run(String... args) {
    out.reset();
    err.reset();
    return ApiKeyTool.run(List.of(args), env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  private LocalRunner runner() throws Exception {
    return new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", Fixtures.shippedWorkflows().toString(),
        "--data-dir", dataDir.toString()), Clock.systemUTC());
  }

  private static int status(LocalRunner runner, String workflow, String key, String body) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(runner.url() + "/wf/" + workflow))
        .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return HttpClient.newHttpClient().send(request, dev.backendworkflows.testutils.ErrorBodies.recording()).statusCode();
  }

  @Test
  void create_withDataDir_issuesAScopedKeyTheRunnerHonoursAfterStart() throws Exception {
    assertThat(run("create", "--data-dir", dataDir.toString(), "--name", "partner", "--workflows", "onboard-user")).isZero();
    String key = out().strip();
    assertThat(key).startsWith(ApiKeys.PREFIX);
    assertThat(err()).contains("onboard-user").contains("shown only now").doesNotContain(key);

    try (LocalRunner runner = runner()) {
      assertThat(status(runner, "onboard-user", key, "{\"email\":\"p@example.com\",\"name\":\"P\"}")).isEqualTo(200);
      assertThat(status(runner, "email-subscribers", key, "{}")).isEqualTo(403);
      // the runner owns the directory while it runs: the tool refuses rather than write behind its back
      assertThat(run("revoke", "--data-dir", dataDir.toString(), "--name", "partner")).isEqualTo(1);
      assertThat(err()).contains("in use by a running local runner");
    }

    assertThat(run("list", "--data-dir", dataDir.toString())).isZero();
    assertThat(out()).contains("partner\tonboard-user\tcreated ").doesNotContain(key).doesNotContain(ApiKeys.hash(key));
    assertThat(run("revoke", "--data-dir", dataDir.toString(), "--name", "partner")).isZero();
    assertThat(err()).contains("Revoked 1 key named 'partner'");
    try (LocalRunner runner = runner()) {
      assertThat(status(runner, "onboard-user", key, "{\"email\":\"q@example.com\",\"name\":\"Q\"}")).isEqualTo(401);
    }
  }

  @Test
  void createListRevoke_withTable_workOnAStacksTableInTheEmulator() {
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    if ((endpoint == null || endpoint.isBlank()) && "true".equals(System.getenv("REQUIRE_EMULATOR"))) {
      throw new IllegalStateException("REQUIRE_EMULATOR is set but AWS_ENDPOINT_URL is not");
    }
    Assumptions.assumeTrue(endpoint != null && !endpoint.isBlank(),
        "No AWS endpoint: set AWS_ENDPOINT_URL to a LocalStack-compatible emulator; .ci/run does this");
    env = Map.of("AWS_ENDPOINT_URL", endpoint, "AWS_REGION", "us-east-1");
    var client = AwsRuntime.dynamoDb(env);
    DynamoDbTables tables = DynamoDbTables.withPrefix("keytool-" + System.nanoTime() + "-");
    tables.createIfMissing(client);
    String table = tables.apiKeys();

    assertThat(run("create", "--table", table, "--name", "ops", "--admin")).isZero();
    String key = out().strip();
    var stored = new ApiKeys(new DynamoDbApiKeyStore(client, table), Clock.systemUTC()).authenticate(key).orElseThrow();
    assertThat(stored.admin()).isTrue();
    assertThat(run("create", "--table", table, "--name", "billing", "--workflows", "charge, refund")).isZero();

    assertThat(run("list", "--table", table)).isZero();
    assertThat(out().lines()).hasSize(2).anySatisfy(l -> assertThat(l).startsWith("billing\tcharge, refund\tcreated "))
        .anySatisfy(l -> assertThat(l).startsWith("ops\tadmin\tcreated "));
    assertThat(out()).doesNotContain(key);

    assertThat(run("revoke", "--table", table, "--name", "ops")).isZero();
    assertThat(new ApiKeys(new DynamoDbApiKeyStore(client, table), Clock.systemUTC()).authenticate(key)).isEmpty();
    assertThat(run("revoke", "--table", table, "--name", "ops")).isEqualTo(1);
    assertThat(err()).contains("No key is named 'ops'");
  }

  @Test
  void badArguments_exitWithUsageAndTouchNothing() {
    assertThat(run()).isEqualTo(2);
    assertThat(err()).contains("usage: ApiKeyTool create");
    assertThat(run("create", "--name", "x")).isEqualTo(2);
    assertThat(err()).contains("give one of --table or --data-dir");
    assertThat(run("create", "--table", "t", "--data-dir", "d", "--name", "x")).isEqualTo(2);
    assertThat(run("create", "--data-dir", dataDir.toString())).isEqualTo(2);
    assertThat(err()).contains("--name is required");
    assertThat(run("create", "--data-dir", dataDir.toString(), "--name", "x", "--admin", "--workflows", "a")).isEqualTo(2);
    assertThat(err()).contains("either --admin or --workflows");
    assertThat(run("create", "--data-dir", dataDir.toString(), "--nmae", "x")).isEqualTo(2);
    assertThat(err()).contains("unknown option '--nmae'");
    assertThat(run("create", "--data-dir", dataDir.toString(), "--name", "x", "--workflows", " , ")).isEqualTo(2);
    assertThat(err()).contains("--workflows needs at least one workflow name");
    assertThat(run("create", "--data-dir", dataDir.toString(), "--name", "x", "--workflows", "")).isEqualTo(2);
    assertThat(run("create", "--data-dir", dataDir.toString(), "--name", "x", "--workflows", "Onboard_User")).isEqualTo(2);
    assertThat(err()).contains("'Onboard_User' is not a workflow name");
    assertThat(run("revoke", "--data-dir", dataDir.toString(), "--name")).isEqualTo(2);
    assertThat(err()).contains("--name needs a value");
    assertThat(out()).isEmpty();
    assertThat(dataDir.toFile().list()).isEmpty();
  }
}
