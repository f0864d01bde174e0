package dev.backendworkflows.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.aws.dynamodb.StreamRecords;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;

/** template.yaml stays in step with the shipped workflows and with the table design in code. */
class TemplateTest {
  private final JsonNode resources = template().path("Resources");

  private static JsonNode template() {
    try {
      return Json.YAML.readTree(Files.readString(Fixtures.projectRoot().resolve("template.yaml")));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void everyWorkflowHasItsOwnFunctionAndOnlyApiWorkflowsHaveARoute() {
    Map<String, String> routeByWorkflow = new HashMap<>();
    resources.fields().forEachRemaining(r -> {
      JsonNode p = r.getValue().path("Properties");
      String wf = p.path("Environment").path("Variables").path("WORKFLOW_NAME").asText(null);
      if (wf != null) {
        JsonNode api = p.path("Events").path("Api").path("Properties");
        routeByWorkflow.put(wf, api.isMissingNode() ? "no route" : api.path("Method").asText() + " " + api.path("Path").asText());
      }
    });
    Map<String, String> expected = new HashMap<>();
    for (WorkflowDefinition wf : new DefinitionLoader().load(Fixtures.shippedWorkflows()).byName().values()) {
      if (wf.trigger().kind() != Trigger.Kind.CUSTOM_EVENT) {
        expected.put(wf.name(), wf.trigger().kind() == Trigger.Kind.API ? "POST /wf/" + wf.name() : "no route");
      }
    }
    assertThat(routeByWorkflow).isEqualTo(expected);
  }

  @Test
  void everyAdminRouteTheReadmeDocumentsReachesTheAdminFunction() throws Exception {
    List<String[]> events = new ArrayList<>();
    resources.path("AdminFunction").path("Properties").path("Events").forEach(e -> events.add(new String[] {
        e.path("Properties").path("Method").asText(), e.path("Properties").path("Path").asText().replaceAll("\\{[^}]+}", "[^/]+")}));
    List<String> documented = new ArrayList<>();
    for (String line : Files.readAllLines(Fixtures.projectRoot().resolve("README.md"))) {
      if (!line.startsWith("| `") || !line.contains("| admin key |")) {
        continue;
      }
      String previous = null;
      for (String part : line.substring(2, line.indexOf(" |", 2)).split("`")) {
        part = part.strip();
        if (part.isEmpty() || part.equals("·")) {
          continue;
        }
        if (part.startsWith("/") && previous != null) { // "`POST /batches/{id}/pause` · `/resume`": the same route, another ending
          part = previous.substring(0, previous.lastIndexOf('/')) + part;
        }
        previous = part.replaceAll("\\?.*", "");
        documented.add(previous);
      }
    }
    assertThat(documented).hasSizeGreaterThan(10);
    for (String route : documented) {
      String method = route.substring(0, route.indexOf(' '));
      String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "x");
      assertThat(events).as(route + " is routed to the AdminFunction").anyMatch(e -> (e[0].equals(method) || e[0].equals("ANY"))
          && path.matches(e[1]));
    }
  }

  @Test
  void everyAdminRouteAndTheDocumentAndDashboardReachTheAdminFunction() {
    List<String[]> events = new ArrayList<>();
    resources.path("AdminFunction").path("Properties").path("Events").forEach(e -> events.add(new String[] {
        e.path("Properties").path("Method").asText(), e.path("Properties").path("Path").asText()}));
    List<String> routes = new ArrayList<>(dev.backendworkflows.http.OpenApi.ADMIN_ROUTES);
    routes.addAll(dev.backendworkflows.http.OpenApi.OTHER_ROUTES);
    for (String route : routes) {
      String[] parts = route.split(" ");
      assertThat(events).as(route + " is an event of the AdminFunction").anyMatch(e -> e[0].equals(parts[0]) && e[1].equals(parts[1]));
    }
  }

  @Test
  void everyWorkflowFunctionDeploysGraduallyAndRollsBackOnItsNewVersionsErrors() {
    List<String> functions = new ArrayList<>();
    resources.fields().forEachRemaining(r -> {
      JsonNode p = r.getValue().path("Properties");
      if (p.path("Environment").path("Variables").has("WORKFLOW_NAME")) {
        functions.add(r.getKey());
        JsonNode preference = p.path("DeploymentPreference");
        assertThat(preference.path("Type").asText()).as(r.getKey()).isEqualTo("DeploymentType"); // !Ref DeploymentType
        assertThat(preference.path("Alarms")).as(r.getKey() + " alarms").hasSize(1);
        JsonNode alarm = resources.path(preference.path("Alarms").get(0).asText());
        assertThat(alarm.path("Type").asText()).as(r.getKey() + "'s alarm").isEqualTo("AWS::CloudWatch::Alarm");
        assertThat(alarm.path("Properties").path("MetricName").asText()).isEqualTo("Errors");
        List<String> dimensions = new ArrayList<>();
        alarm.path("Properties").path("Dimensions").forEach(d -> dimensions.add(d.path("Name").asText() + "=" + d.path("Value").asText()));
        // the YAML reader drops tags: !Sub "${F}:live", !Ref F and !GetAtt F.Version.Version read as their arguments
        assertThat(dimensions).as(r.getKey() + "'s alarm watches its new version behind the live alias")
            .containsExactlyInAnyOrder("Resource=${" + r.getKey() + "}:live", "FunctionName=" + r.getKey(),
                "ExecutedVersion=" + r.getKey() + ".Version.Version");
      }
    });
    assertThat(functions).hasSizeGreaterThan(5);
    assertThat(template().path("Parameters").path("DeploymentType").path("Default").asText()).isEqualTo("Canary10Percent5Minutes");
  }

  @Test
  void aDataChangeFunctionsStreamFilterLetsThroughOnlyItsTypesThingsAndEvents() {
    Workflows workflows = new DefinitionLoader().load(Fixtures.shippedWorkflows());
    List<String> checked = new ArrayList<>();
    for (WorkflowDefinition wf : workflows.byName().values()) {
      if (wf.trigger().kind() != Trigger.Kind.DATA_CHANGE) {
        continue;
      }
      JsonNode function = null;
      for (var r : (Iterable<Map.Entry<String, JsonNode>>) resources::fields) {
        if (wf.name().equals(r.getValue().path("Properties").path("Environment").path("Variables").path("WORKFLOW_NAME").asText())) {
          function = r.getValue();
        }
      }
      assertThat(function).as(wf.name() + "'s function").isNotNull();
      JsonNode source = function.path("Properties").path("Events").path("Changes").path("Properties");
      JsonNode pattern = Json.tree(source.path("FilterCriteria").path("Filters").get(0).path("Pattern").asText());
      List<String> events = new ArrayList<>();
      pattern.path("eventName").forEach(e -> events.add(e.asText()));
      assertThat(events).as(wf.name()).containsExactlyInAnyOrderElementsOf(wf.trigger().dataChange().on().stream()
          .map(StreamRecords.EVENT_NAMES::get).toList());
      String prefix = pattern.path("dynamodb").path("Keys").path("type").path("S").get(0).path("prefix").asText();
      String type = wf.trigger().dataChange().type();
      assertThat(prefix).isEqualTo(type + "#");
      // the partitions the Things table has: the type's shards pass; claims, index entries and other types do not
      assertThat(List.of(type + "#0", type + "#7")).allMatch(k -> k.startsWith(prefix));
      assertThat(List.of("_claim#unique#" + type + "#x", "_index#" + type + "#status#x", type + "_line#0", "x" + type + "#0"))
          .noneMatch(k -> k.startsWith(prefix));
      assertThat(source.path("StartingPosition").asText()).isEqualTo("LATEST");
      assertThat(source.path("BisectBatchOnFunctionError").asBoolean()).isTrue();
      assertThat(source.path("MaximumRetryAttempts").asInt()).isEqualTo(wf.trigger().dataChange().maxRetries());
      checked.add(wf.name());
    }
    assertThat(checked).contains("order-paid");
  }

  @Test
  void everyTableAndQueueOutlivesAStackDeleteOrAReplacingUpdate() {
    List<String> stores = new java.util.ArrayList<>();
    resources.fields().forEachRemaining(r -> {
      String type = r.getValue().path("Type").asText();
      if (type.equals("AWS::DynamoDB::Table") || type.equals("AWS::SQS::Queue")) {
        stores.add(r.getKey());
        assertThat(r.getValue().path("DeletionPolicy").asText()).as(r.getKey() + " DeletionPolicy").isEqualTo("Retain");
        assertThat(r.getValue().path("UpdateReplacePolicy").asText()).as(r.getKey() + " UpdateReplacePolicy").isEqualTo("Retain");
      }
    });
    assertThat(stores).contains("ThingsTable", "RunsTable", "ApiKeysTable", "SchedulesTable", "SchedulerDeadLetterQueue");
  }

  @Test
  void tablesMatchTheDesignInCode() {
    DynamoDbTables names = DynamoDbTables.withPrefix("");
    Map<String, String> logicalIds = Map.of(names.things(), "ThingsTable", names.runs(), "RunsTable", names.apiKeys(), "ApiKeysTable",
        names.schedules(), "SchedulesTable");
    for (CreateTableRequest def : names.definitions()) {
      JsonNode table = resources.path(logicalIds.get(def.tableName())).path("Properties");
      assertThat(keys(table.path("KeySchema"))).as(def.tableName()).isEqualTo(
          def.keySchema().stream().map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList());
      List<String> indexes = new ArrayList<>();
      table.path("GlobalSecondaryIndexes").forEach(i -> indexes.add(i.path("IndexName").asText() + keys(i.path("KeySchema"))));
      assertThat(indexes).as(def.tableName() + " indexes").containsExactlyElementsOf(def.globalSecondaryIndexes().stream()
          .map(i -> i.indexName() + i.keySchema().stream().map(k -> k.attributeName() + ":" + k.keyTypeAsString()).toList()).toList());
      assertThat(table.path("BillingMode").asText()).isEqualTo("PAY_PER_REQUEST");
      assertThat(table.path("StreamSpecification").path("StreamViewType").asText(null)).as(def.tableName() + " stream")
          .isEqualTo(def.streamSpecification() == null ? null : def.streamSpecification().streamViewTypeAsString());
    }
    assertThat(resources.path("RunsTable").path("Properties").path("TimeToLiveSpecification").path("AttributeName").asText())
        .isEqualTo(DynamoDbTables.RUNS_TTL_ATTRIBUTE);
    assertThat(resources.path("SchedulesTable").path("Properties").path("TimeToLiveSpecification").path("AttributeName").asText())
        .isEqualTo(DynamoDbTables.SCHEDULES_TTL_ATTRIBUTE);
    assertThat(resources.path("ThingsTable").path("Properties").path("TimeToLiveSpecification").path("AttributeName").asText())
        .isEqualTo(DynamoDbTables.THINGS_TTL_ATTRIBUTE);
  }

  private static List<String> keys(JsonNode schema) {
    List<String> out = new ArrayList<>();
    schema.forEach(k -> out.add(k.path("AttributeName").asText() + ":" + k.path("KeyType").asText()));
    return out;
  }
}
