package dev.backendworkflows.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.engine.WorkflowAccess;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every function may make every AWS call its code can make — and no test passes if it may not. */
class IamCoverageTest {
  private static final Path SOURCES = Fixtures.projectRoot().resolve("functions/aws/src/main/java");
  /**
   * The calls the admin routes (/runs, /schedules, /chains, /batches) and the sweep can reach: reads,
   * run and schedule transitions (retry reopens a run; the sweep ends runs of removed workflows),
   * batch counters, cancel, dispatch.
   */
  private static final Set<IamCoverage.Need> ADMIN = Set.of(
      new IamCoverage.Need("dynamodb:GetItem", "RunsTable"), new IamCoverage.Need("dynamodb:Query", "RunsTable"),
      new IamCoverage.Need("dynamodb:PutItem", "RunsTable"),
      new IamCoverage.Need("dynamodb:GetItem", "ApiKeysTable"),
      new IamCoverage.Need("dynamodb:GetItem", "SchedulesTable"), new IamCoverage.Need("dynamodb:Query", "SchedulesTable"),
      new IamCoverage.Need("dynamodb:PutItem", "SchedulesTable"), new IamCoverage.Need("dynamodb:UpdateItem", "SchedulesTable"),
      new IamCoverage.Need("scheduler:DeleteSchedule", null), new IamCoverage.Need("lambda:InvokeFunction", null),
      // the sweep's index builds: read the type, list its things
      new IamCoverage.Need("dynamodb:GetItem", "ThingsTable"), new IamCoverage.Need("dynamodb:Query", "ThingsTable"),
      new IamCoverage.Need("dynamodb:PutItem", "ThingsTable"), new IamCoverage.Need("dynamodb:UpdateItem", "ThingsTable"));

  private static JsonNode template(String text) throws Exception {
    return Json.YAML.readTree(text);
  }

  private static String realTemplate() throws Exception {
    return Files.readString(Fixtures.projectRoot().resolve("template.yaml"));
  }

  private static List<String> workflowFunctions(JsonNode template) {
    List<String> functions = new ArrayList<>();
    template.path("Resources").fields().forEachRemaining(r -> {
      if (r.getValue().path("Properties").path("Environment").path("Variables").has("WORKFLOW_NAME")) {
        functions.add(r.getKey());
      }
    });
    return functions;
  }

  @Test
  void theCodeMakesTheCallsWeExpectToCheck() {
    Set<IamCoverage.Need> needs = IamCoverage.calledByCode(SOURCES);
    assertThat(needs).contains(new IamCoverage.Need("dynamodb:PutItem", "ThingsTable"),
        new IamCoverage.Need("dynamodb:UpdateItem", "SchedulesTable"), new IamCoverage.Need("scheduler:CreateSchedule", null),
        new IamCoverage.Need("ses:SendEmail", null), new IamCoverage.Need("lambda:InvokeFunction", null),
        new IamCoverage.Need("ssm:GetParameter", null));
    assertThat(needs).extracting(IamCoverage.Need::action).doesNotContain("dynamodb:CreateTable", "scheduler:ListSchedules");
  }

  /** Which grant lets a function use an adapter (its runs and idempotency keys every function uses; SSM: declared secrets). */
  private static final Map<String, Access> ADAPTERS = Map.of("DynamoDbThingStore", Access.THINGS, "DynamoDbScheduleStore",
      Access.SCHEDULES, "EventBridgeScheduler", Access.SCHEDULER, "LambdaDispatcher", Access.SCHEDULER, "SesMailer", Access.EMAIL,
      "DynamoDbApiKeyStore", Access.API_KEYS);
  private static final Set<String> EVERY_FUNCTION = Set.of("DynamoDbRunLog", "DynamoDbIdempotencyStore");
  private static final Workflows WORKFLOWS = new DefinitionLoader().load(Fixtures.shippedWorkflows());

  private static WorkflowAccess accessOf(JsonNode template, String function) {
    String workflow = template.path("Resources").path(function).path("Properties").path("Environment").path("Variables")
        .path("WORKFLOW_NAME").asText();
    return WorkflowAccess.of(WORKFLOWS.get(workflow).orElseThrow(), WORKFLOWS, ActionRegistry.builtIn());
  }

  /** What a workflow's function needs: the calls of every adapter its grants (WorkflowAccess) let it use. */
  private static Set<IamCoverage.Need> needsOf(JsonNode template, String function) {
    WorkflowAccess access = accessOf(template, function);
    Set<IamCoverage.Need> needs = new java.util.TreeSet<>();
    IamCoverage.calledByAdapter(SOURCES).forEach((adapter, calls) -> {
      boolean used;
      if (EVERY_FUNCTION.contains(adapter)) {
        used = true;
      } else if (adapter.equals("SsmSecretStore")) {
        used = !access.secrets().isEmpty();
      } else {
        used = access.access().contains(requireKnown(adapter));
      }
      if (used) {
        needs.addAll(calls);
      }
    });
    needs.addAll(IamCoverage.streamSourceNeeds(template, function));
    return needs;
  }

  private static Access requireKnown(String adapter) {
    Access a = ADAPTERS.get(adapter);
    if (a == null) {
      throw new AssertionError("adapter " + adapter + " calls AWS but this test does not know which grant it needs: add it to ADAPTERS");
    }
    return a;
  }

  @Test
  void everyWorkflowFunctionMayMakeEveryCallItsCodeMakes() throws Exception {
    JsonNode template = template(realTemplate());
    List<String> functions = workflowFunctions(template);
    assertThat(functions).hasSizeGreaterThan(3);
    List<String> missing = new ArrayList<>();
    functions.forEach(f -> missing.addAll(IamCoverage.missing(template, f, needsOf(template, f))));
    assertThat(missing).isEmpty();
  }

  @Test
  void everyWorkflowFunctionMayTouchOnlyTheTablesAndServicesItsWorkflowNeeds() throws Exception {
    JsonNode template = template(realTemplate());
    List<String> excess = new ArrayList<>();
    for (String f : workflowFunctions(template)) {
      Set<String> needed = new java.util.TreeSet<>();
      needsOf(template, f).forEach(n -> needed.add(scope(n)));
      IamCoverage.allowedFor(template, f).stream().map(IamCoverageTest::scope).filter(s -> !needed.contains(s))
          .forEach(s -> excess.add(f + " may use " + s + ", which its workflow never needs"));
    }
    assertThat(excess).isEmpty();
    // the shipped workflows differ: some read no API keys, schedule nothing or send no email
    assertThat(IamCoverage.allowedFor(template, "FetchExchangeRateFunction")).extracting(IamCoverageTest::scope)
        .doesNotContain("SchedulesTable", "ses", "scheduler").contains("ApiKeysTable", "ThingsTable", "RunsTable");
    assertThat(IamCoverage.allowedFor(template, "DailyDigestFunction")).extracting(IamCoverageTest::scope)
        .doesNotContain("ApiKeysTable", "ses", "scheduler", "lambda");
  }

  @Test
  void aDataChangeFunctionMayReadOnlyItsTablesStreamAndSendFailedBatchesOnlyToItsDestination() throws Exception {
    JsonNode template = template(realTemplate());
    List<String> readers = new ArrayList<>();
    for (String f : workflowFunctions(template)) {
      for (JsonNode event : template.path("Resources").path(f).path("Properties").path("Events")) {
        if (!event.path("Type").asText().equals("DynamoDB")) {
          continue;
        }
        readers.add(f);
        // the YAML reader drops tags: !GetAtt ThingsTable.StreamArn reads as ThingsTable.StreamArn
        String table = event.path("Properties").path("Stream").asText().replace(".StreamArn", "");
        String destination = event.path("Properties").path("DestinationConfig").path("OnFailure").path("Destination").asText();
        List<String> streamResources = new ArrayList<>();
        List<String> queueResources = new ArrayList<>();
        for (JsonNode policy : template.path("Resources").path(f).path("Properties").path("Policies")) {
          for (JsonNode statement : policy.path("Statement")) {
            List<String> actions = new ArrayList<>();
            statement.path("Action").forEach(a -> actions.add(a.asText()));
            if (statement.path("Action").isTextual()) {
              actions.add(statement.path("Action").asText());
            }
            if (actions.stream().anyMatch(IamCoverage.STREAM_READS::contains)) {
              assertThat(actions).as(f + ": stream reads").containsExactlyInAnyOrderElementsOf(IamCoverage.STREAM_READS);
              streamResources.add(statement.path("Resource").asText());
            }
            if (actions.contains("sqs:SendMessage")) {
              queueResources.add(statement.path("Resource").asText());
            }
            if (actions.contains(IamCoverage.LIST_STREAMS)) {
              assertThat(actions).as(f + ": ListStreams alone, on *").containsExactly(IamCoverage.LIST_STREAMS);
              assertThat(statement.path("Resource").asText()).isEqualTo("*");
            }
          }
        }
        assertThat(streamResources).as(f + " reads the streams of " + table + " only").containsExactly("${" + table + ".Arn}/stream/*");
        assertThat(queueResources).as(f + " sends failed batches to its destination only").containsExactly(destination);
        assertThat(event.path("Properties").path("FunctionResponseTypes").toString()).contains("ReportBatchItemFailures");
      }
    }
    assertThat(readers).as("the shipped order-paid workflow reads the Things table's stream").contains("OrderPaidFunction");
  }

  /** A need's table, or its service: what a policy grants access to. */
  private static String scope(IamCoverage.Need n) {
    return n.table() != null ? n.table() : n.action().substring(0, n.action().indexOf(':'));
  }

  @Test
  void emailIsSentOnlyAsTheStagesSenderAndTheWorkflowsDeclaredOnes() throws Exception {
    JsonNode template = template(realTemplate());
    List<String> senders = new ArrayList<>();
    for (String f : workflowFunctions(template)) {
      for (JsonNode policy : template.path("Resources").path(f).path("Properties").path("Policies")) {
        for (JsonNode statement : policy.path("Statement")) {
          if (statement.path("Action").asText().equals("ses:SendEmail")) {
            JsonNode from = statement.path("Condition").path("StringEqualsIgnoreCase").path("ses:FromAddress");
            assertThat(from.isArray()).as(f + "'s ses:SendEmail is conditioned on ses:FromAddress").isTrue();
            List<String> allowed = new ArrayList<>();
            from.forEach(a -> allowed.add(a.asText())); // the YAML reader drops tags: !Ref MailFrom reads as MailFrom
            List<String> expected = new ArrayList<>(List.of("MailFrom"));
            accessOf(template, f).senders().forEach(s -> expected.add(dev.backendworkflows.mail.Email.address(s)));
            assertThat(allowed).as(f).containsExactlyElementsOf(expected);
            senders.add(f);
          }
        }
      }
    }
    assertThat(senders).contains("OnboardUserFunction").doesNotContain("FetchExchangeRateFunction");
  }

  @Test
  void theAdminFunctionMayMakeTheCallsItsRoutesMake() throws Exception {
    assertThat(IamCoverage.missing(template(realTemplate()), "AdminFunction", ADMIN)).isEmpty();
  }

  @Test
  void aPolicyRemovedOnPurposeIsCaught() throws Exception {
    String real = realTemplate();
    int onboard = real.indexOf("  OnboardUserFunction:");
    String broken = real.substring(0, onboard) + real.substring(onboard)
        .replaceFirst("              Action: ses:SendEmail\n", "              Action: ses:GetAccount\n")
        .replaceFirst("        - DynamoDBCrudPolicy: \\{ TableName: !Ref SchedulesTable }\n", "");
    JsonNode template = template(broken);
    List<String> missing = IamCoverage.missing(template, "OnboardUserFunction", needsOf(template, "OnboardUserFunction"));
    assertThat(missing).anyMatch(m -> m.contains("ses:SendEmail")).anyMatch(m -> m.contains("dynamodb:UpdateItem on SchedulesTable"));
  }
}
