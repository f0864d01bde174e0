package dev.backendworkflows.aws.testsupport;

import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.internal.Ids;
import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.scheduler.SchedulerClient;
import software.amazon.awssdk.services.sesv2.SesV2Client;

/**
 * The AWS-compatible endpoint adapter tests talk to: {@code AWS_ENDPOINT_URL} (or the system
 * property {@code aws.endpoint}). Without one, these tests are reported as skipped with the reason —
 * never as passed. {@code .ci/run} starts an emulator and sets it.
 */
public final class Emulator {
  public static final String SKIP_REASON = "No AWS endpoint: set AWS_ENDPOINT_URL to a LocalStack-compatible emulator "
      + "(e.g. `moto_server -p 4566` then AWS_ENDPOINT_URL=http://127.0.0.1:4566); .ci/run does this";

  private Emulator() {}

  /** A difference from AWS that matters, named where a test depends on it. */
  public static final String MOTO_CONCURRENCY = "emulator difference: moto serves requests on several threads without "
      + "serialising conditional writes, so two concurrent conditional updates can both succeed; DynamoDB serialises them. "
      + "The sequential exactly-once checks still run against moto";

  /**
   * True when {@code AWS_EMULATOR=moto}: moto's own server, on several threads, for the differences
   * named above. {@code .ci/run} starts moto on one thread instead ({@code AWS_EMULATOR=moto-serial},
   * {@code .ci/moto_serial.py}), which serialises requests, so the concurrent tests run there.
   */
  public static boolean isMoto() {
    boolean moto = "moto".equals(System.getenv("AWS_EMULATOR"));
    if (moto && TOLD_MOTO.compareAndSet(false, true)) {
      System.out.println("NOTE " + MOTO_CONCURRENCY);
    }
    return moto;
  }

  private static final java.util.concurrent.atomic.AtomicBoolean TOLD_MOTO = new java.util.concurrent.atomic.AtomicBoolean();
  private static final java.util.concurrent.atomic.AtomicBoolean TOLD = new java.util.concurrent.atomic.AtomicBoolean();
  private static DynamoDbClient client;
  private static DynamoDbTables tables;

  /**
   * The endpoint, or aborts the calling test as skipped. Call it per test (not in {@code @BeforeAll},
   * where an abort hides the tests instead of reporting them skipped).
   */
  public static String endpoint() {
    String endpoint = System.getProperty("aws.endpoint", System.getenv("AWS_ENDPOINT_URL"));
    if ((endpoint == null || endpoint.isBlank()) && "true".equals(System.getenv("REQUIRE_EMULATOR"))) {
      throw new IllegalStateException("REQUIRE_EMULATOR is set but " + SKIP_REASON);
    }
    if ((endpoint == null || endpoint.isBlank()) && TOLD.compareAndSet(false, true)) {
      System.out.println("SKIPPED emulator tests: " + SKIP_REASON);
    }
    Assumptions.assumeTrue(endpoint != null && !endpoint.isBlank(), SKIP_REASON);
    // emulators accept any credentials; the default chain reads these too
    if (System.getenv("AWS_ACCESS_KEY_ID") == null) {
      System.setProperty("aws.accessKeyId", "test");
      System.setProperty("aws.secretAccessKey", "test");
    }
    return endpoint;
  }

  public static DynamoDbClient dynamoDb() {
    return dynamoDb(new software.amazon.awssdk.core.interceptor.ExecutionInterceptor[0]);
  }

  /** A client whose every request passes {@code interceptors}: to count requests or inject faults. */
  public static DynamoDbClient dynamoDb(software.amazon.awssdk.core.interceptor.ExecutionInterceptor... interceptors) {
    return DynamoDbClient.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
        .overrideConfiguration(c -> java.util.Arrays.stream(interceptors).forEach(c::addExecutionInterceptor)).build();
  }

  /** One client and one set of fresh tables per test JVM; tests isolate by type or workflow name. */
  public static synchronized DynamoDbTables sharedTables() {
    endpoint();
    if (tables == null) {
      client = dynamoDb();
      tables = freshTables(client);
    }
    return tables;
  }

  public static synchronized DynamoDbClient sharedClient() {
    sharedTables();
    return client;
  }

  public static SchedulerClient scheduler() {
    return SchedulerClient.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
  }

  public static SesV2Client sesV2() {
    return SesV2Client.builder().endpointOverride(URI.create(endpoint())).region(Region.US_EAST_1)
        .httpClient(UrlConnectionHttpClient.create())
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"))).build();
  }

  /** The DynamoDB adapters for a test stack, on fresh tables that {@code client} reaches. */
  public static java.util.function.Function<dev.backendworkflows.testutils.MutableClock, dev.backendworkflows.testutils.Fixtures.Stores>
      stores(DynamoDbClient client) {
    DynamoDbTables t = freshTables(client);
    return clock -> new dev.backendworkflows.testutils.Fixtures.Stores(
        new dev.backendworkflows.aws.dynamodb.DynamoDbThingStore(client, t.things()),
        new dev.backendworkflows.aws.dynamodb.DynamoDbRunLog(client, t.runs(), clock),
        new dev.backendworkflows.aws.dynamodb.DynamoDbScheduleStore(client, t.schedules()),
        new dev.backendworkflows.aws.dynamodb.DynamoDbIdempotencyStore(client, t.runs()));
  }

  private static String scheduleGroup;

  /** One schedule group per test JVM. */
  public static synchronized String sharedScheduleGroup() {
    endpoint();
    if (scheduleGroup == null) {
      scheduleGroup = "test-" + Ids.newId(Instant.now()).toLowerCase(Locale.ROOT).substring(10, 22);
      String name = scheduleGroup;
      scheduler().createScheduleGroup(b -> b.name(name));
    }
    return scheduleGroup;
  }

  /**
   * Fresh tables under a unique prefix, so runs never see each other's data; the Things table
   * without its stream (moto copies its whole state, stream records included, on every transaction,
   * so a stream nobody reads would slow every later transaction down).
   */
  public static DynamoDbTables freshTables(DynamoDbClient client) {
    DynamoDbTables tables = DynamoDbTables.withPrefix("test-" + Ids.newId(Instant.now()).toLowerCase(Locale.ROOT).substring(10, 22) + "-");
    tables.createIfMissing(client, false);
    return tables;
  }

  /** Fresh tables as {@link #freshTables}, the Things table with its stream (new and old images), as deployed. */
  public static DynamoDbTables freshTablesWithStream(DynamoDbClient client) {
    DynamoDbTables tables = DynamoDbTables.withPrefix("test-" + Ids.newId(Instant.now()).toLowerCase(Locale.ROOT).substring(10, 22) + "-");
    tables.createIfMissing(client, true);
    return tables;
  }
}
