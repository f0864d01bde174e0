package dev.backendworkflows.aws.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checks that a function's policies in template.yaml allow every AWS action the adapters' code
 * calls. The actions are read from the adapters' source (each SDK client call becomes
 * {@code service:Action}), so a new call without a matching policy fails the build.
 */
final class IamCoverage {
  /** Which SDK client type means which IAM service prefix. */
  private static final Map<String, String> SERVICES = Map.of("DynamoDbClient", "dynamodb", "SchedulerClient", "scheduler",
      "SesV2Client", "ses", "LambdaClient", "lambda", "SsmClient", "ssm");
  /** Adapter class → the template's logical id of the table it works on. */
  static final Map<String, String> TABLES = Map.of("DynamoDbThingStore", "ThingsTable", "DynamoDbRunLog", "RunsTable",
      "DynamoDbScheduleStore", "SchedulesTable", "DynamoDbApiKeyStore", "ApiKeysTable", "DynamoDbIdempotencyStore", "RunsTable");
  /** Setup code that runs only in the local runner and tests, never in a function. */
  private static final Set<String> NOT_IN_LAMBDA = Set.of("DynamoDbTables");
  /** Marks a call that only the local runner makes (e.g. polling schedules an emulator never fires). */
  static final String NOT_IN_LAMBDA_MARKER = "not called in Lambda";
  private static final Pattern CALL = Pattern.compile("client(?:\\(\\))?(?:\\.get\\(\\))?\\.(\\w+)\\(");
  private static final Map<String, String> RENAMES = Map.of("lambda:Invoke", "lambda:InvokeFunction");
  /**
   * Calls whose permission is that of the operations inside them: a TransactWriteItems of Puts,
   * Updates and Deletes needs PutItem, UpdateItem and DeleteItem on the table (there is no IAM action
   * of its own).
   */
  private static final Map<String, List<String>> COMPOSITE = Map.of("dynamodb:TransactWriteItems",
      List.of("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"));
  /** Calls that need a second permission: a schedule names the role it invokes with, which the caller must pass. */
  private static final Map<String, String> IMPLIED = Map.of("scheduler:CreateSchedule", "iam:PassRole",
      "scheduler:UpdateSchedule", "iam:PassRole");
  private static final Map<String, List<String>> SAM_POLICY_TEMPLATES = Map.of(
      "DynamoDBCrudPolicy", List.of("GetItem", "DeleteItem", "PutItem", "Scan", "Query", "UpdateItem", "BatchWriteItem",
          "BatchGetItem", "DescribeTable", "ConditionCheckItem"),
      "DynamoDBReadPolicy", List.of("GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable"));

  private IamCoverage() {}

  /** A required permission: an action, on a table (logical id) for DynamoDB, or on anything. */
  record Need(String action, String table) implements Comparable<Need> {
    @Override
    public int compareTo(Need o) {
      return toString().compareTo(o.toString());
    }

    @Override
    public String toString() {
      return action + (table == null ? "" : " on " + table);
    }
  }

  /** Every action the adapters call in a function, from their source. */
  static Set<Need> calledByCode(Path sourceRoot) {
    Set<Need> needs = new TreeSet<>();
    calledByAdapter(sourceRoot).values().forEach(needs::addAll);
    return needs;
  }

  /** The actions each adapter class calls in a function, from its source. */
  static Map<String, Set<Need>> calledByAdapter(Path sourceRoot) {
    Map<String, Set<Need>> byAdapter = new TreeMap<>();
    try (Stream<Path> files = Files.walk(sourceRoot)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        String cls = file.getFileName().toString().replace(".java", "");
        if (NOT_IN_LAMBDA.contains(cls)) {
          continue;
        }
        String text = Files.readString(file);
        String service = SERVICES.entrySet().stream().filter(e -> text.contains("import software.amazon.awssdk.services.")
            && text.contains(e.getKey())).map(Map.Entry::getValue).findFirst().orElse(null);
        if (service == null) {
          continue;
        }
        for (String line : text.split("\n")) {
          if (line.contains(NOT_IN_LAMBDA_MARKER)) {
            continue;
          }
          Matcher m = CALL.matcher(line);
          while (m.find()) {
            String method = m.group(1).replace("Paginator", "");
            if (method.equals("waiter")) {
              continue;
            }
            String action = service + ":" + Character.toUpperCase(method.charAt(0)) + method.substring(1);
            action = RENAMES.getOrDefault(action, action);
            Set<Need> calls = byAdapter.computeIfAbsent(cls, c -> new TreeSet<>());
            for (String a : COMPOSITE.getOrDefault(action, List.of(action))) {
              calls.add(new Need(a, service.equals("dynamodb") ? TABLES.get(cls) : null));
            }
            if (IMPLIED.containsKey(action)) {
              calls.add(new Need(IMPLIED.get(action), null));
            }
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return byAdapter;
  }

  /** What a function's policies allow, as needs (DynamoDB actions per table; others anywhere). */
  static Set<Need> allowedFor(JsonNode template, String function) {
    JsonNode resources = template.path("Resources");
    Set<Need> allowed = new TreeSet<>();
    for (JsonNode policy : resources.path(function).path("Properties").path("Policies")) {
      JsonNode statements = policy.isTextual() // !Ref ManagedPolicy, or an inline policy document
          ? resources.path(policy.asText()).path("Properties").path("PolicyDocument").path("Statement") : policy.path("Statement");
      if (statements.isArray() && !statements.isEmpty()) {
        for (JsonNode statement : statements) {
          if (statement.path("Effect").asText().equals("Allow")) {
            List<String> actions = new ArrayList<>();
            if (statement.path("Action").isArray()) {
              statement.path("Action").forEach(a -> actions.add(a.asText()));
            } else {
              actions.add(statement.path("Action").asText());
            }
            actions.forEach(a -> allowed.add(new Need(a, null)));
          }
        }
        continue;
      }
      policy.fields().forEachRemaining(e -> {
        List<String> actions = SAM_POLICY_TEMPLATES.get(e.getKey());
        if (actions != null) {
          String table = e.getValue().path("TableName").asText();
          actions.forEach(a -> allowed.add(new Need("dynamodb:" + a, table)));
        }
      });
    }
    return allowed;
  }

  /** What Lambda's poller of a DynamoDB stream does under the function's role (IAM names these; the code never calls them). */
  static final List<String> STREAM_READS = List.of("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator");
  /** Listing a table's streams, which IAM grants on no resource narrower than all ({@code *}). */
  static final String LIST_STREAMS = "dynamodb:ListStreams";

  /**
   * What a function's DynamoDB stream event sources need of its role: reading the stream, and
   * sending the record of a batch that kept failing to its on-failure destination (an SQS queue).
   */
  static Set<Need> streamSourceNeeds(JsonNode template, String function) {
    Set<Need> needs = new TreeSet<>();
    template.path("Resources").path(function).path("Properties").path("Events").forEach(event -> {
      if (event.path("Type").asText().equals("DynamoDB")) {
        STREAM_READS.forEach(a -> needs.add(new Need(a, null)));
        needs.add(new Need(LIST_STREAMS, null));
        if (event.path("Properties").path("DestinationConfig").path("OnFailure").has("Destination")) {
          needs.add(new Need("sqs:SendMessage", null));
        }
      }
    });
    return needs;
  }

  /** Needs the function's policies do not cover, as readable lines (empty when covered). */
  static List<String> missing(JsonNode template, String function, Set<Need> needs) {
    Set<Need> allowed = allowedFor(template, function);
    Map<String, List<String>> byFunction = new TreeMap<>();
    for (Need n : needs) {
      if (!allowed.contains(n)) {
        byFunction.computeIfAbsent(function, f -> new ArrayList<>()).add(n.toString());
      }
    }
    return byFunction.getOrDefault(function, List.of()).stream()
        .map(n -> function + " may call " + n + " but its policies do not allow it").toList();
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
