package dev.backendworkflows.aws.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
      new IamCoverage.Need("scheduler:DeleteSchedule", null), new IamCoverage.Need("lambda:InvokeFunction", null));

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

  /** What a workflow's function needs: every call the code makes, SSM only when the workflow declares secrets. */
  private static Set<IamCoverage.Need> needsOf(JsonNode template, String function, Set<IamCoverage.Need> code,
      dev.backendworkflows.definition.Workflows workflows) {
    String workflow = template.path("Resources").path(function).path("Properties").path("Environment").path("Variables")
        .path("WORKFLOW_NAME").asText();
    boolean secrets = !workflows.get(workflow).orElseThrow().secrets().isEmpty();
    return code.stream().filter(n -> secrets || !n.action().startsWith("ssm:")).collect(java.util.stream.Collectors.toSet());
  }

  @Test
  void everyWorkflowFunctionMayMakeEveryCallItsCodeMakes() throws Exception {
    JsonNode template = template(realTemplate());
    Set<IamCoverage.Need> needs = IamCoverage.calledByCode(SOURCES);
    var workflows = new dev.backendworkflows.definition.DefinitionLoader().load(Fixtures.shippedWorkflows());
    List<String> functions = workflowFunctions(template);
    assertThat(functions).hasSizeGreaterThan(3);
    List<String> missing = new ArrayList<>();
    functions.forEach(f -> missing.addAll(IamCoverage.missing(template, f, needsOf(template, f, needs, workflows))));
    assertThat(missing).isEmpty();
  }

  @Test
  void theAdminFunctionMayMakeTheCallsItsRoutesMake() throws Exception {
    assertThat(IamCoverage.missing(template(realTemplate()), "AdminFunction", ADMIN)).isEmpty();
  }

  @Test
  void aPolicyRemovedOnPurposeIsCaught() throws Exception {
    String broken = realTemplate().replace("        - !Ref SendEmailPolicy\n", "")
        .replaceFirst("        - DynamoDBCrudPolicy: \\{ TableName: !Ref SchedulesTable }\n", "");
    JsonNode template = template(broken);
    Set<IamCoverage.Need> needs = IamCoverage.calledByCode(SOURCES);
    List<String> missing = IamCoverage.missing(template, workflowFunctions(template).getFirst(), needs);
    assertThat(missing).anyMatch(m -> m.contains("ses:SendEmail")).anyMatch(m -> m.contains("dynamodb:UpdateItem on SchedulesTable"));
  }
}
