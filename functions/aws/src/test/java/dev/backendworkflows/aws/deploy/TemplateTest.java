package dev.backendworkflows.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
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
