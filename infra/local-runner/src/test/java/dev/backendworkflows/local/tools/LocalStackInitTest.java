package dev.backendworkflows.local.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.aws.dynamodb.DynamoDbTables;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** infra/localstack/init-aws.sh is generated from the table design that template.yaml is checked against. */
class LocalStackInitTest {
  @Test
  void initScriptIsInStepWithTheTableDesign() throws Exception {
    String onDisk = Files.readString(Fixtures.projectRoot().resolve(LocalStackInit.FILE));
    assertThat(onDisk).as("infra/localstack/init-aws.sh is stale: regenerate with ./mvnw -q package -DskipTests exec:java "
        + "-pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.LocalStackInit").isEqualTo(LocalStackInit.script());
  }

  @Test
  void itCreatesEveryTableWithItsIndexesTtlAndTheScheduleGroup() {
    String script = LocalStackInit.script();
    for (var t : DynamoDbTables.withPrefix("backend-workflows-").definitions()) {
      assertThat(script).contains("create-table --table-name " + t.tableName());
      t.globalSecondaryIndexes().forEach(i -> assertThat(script).contains("\"IndexName\":\"" + i.indexName() + "\""));
    }
    assertThat(script).contains("AttributeName=expires_at").contains("scheduler create-schedule-group --name backend-workflows");
  }
}
