package dev.backendworkflows.definition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.testutils.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every workflow the repository ships loads and validates. */
class ShippedDefinitionsTest {

  @Test
  void everyShippedDefinitionLoads() throws IOException {
    Workflows workflows = new DefinitionLoader().load(Fixtures.shippedWorkflows());
    long files;
    try (Stream<java.nio.file.Path> s = Files.list(Fixtures.shippedWorkflows())) {
      files = s.filter(p -> p.toString().endsWith(".yaml") && !p.endsWith(DefinitionLoader.DATA_SCHEMA_FILE)).count();
    }
    assertThat(workflows.byName()).hasSize((int) files).containsKeys(
        "onboard-user", "import-orders", "fetch-exchange-rate", "email-subscribers", "email-one-user", "sweep-sessions");
    assertThat(workflows.types()).containsKeys("user", "order", "daily_total", "session", "exchange_rate");
  }

  @Test
  void theCurrentVersionOfEveryShippedWorkflowIsKept() throws IOException {
    var sources = DefinitionLoader.sources(Fixtures.shippedWorkflows());
    java.util.List<String> missing = new java.util.ArrayList<>();
    for (var e : sources.entrySet()) {
      if (e.getKey().equals(DefinitionLoader.DATA_SCHEMA_FILE)) {
        continue;
      }
      String name = e.getKey().replaceFirst("\\.ya?ml$", "");
      java.nio.file.Path kept = Fixtures.shippedWorkflows().resolve(KeptVersions.FOLDER)
          .resolve(KeptVersions.fileName(name, new DefinitionLoader().load(sources).get(name).orElseThrow().version()));
      if (!Files.isRegularFile(kept) || !Files.readString(kept).equals(e.getValue())) {
        missing.add(kept.getFileName().toString());
      }
    }
    assertThat(missing).as("functions/workflows/versions/ lacks the current versions: run ./mvnw -q package -DskipTests exec:java "
        + "-pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.KeepVersions, and commit them").isEmpty();
  }

  @Test
  void everyApiWorkflowHasAnExample() {
    new DefinitionLoader().load(Fixtures.shippedWorkflows()).byName().values().stream()
        .filter(w -> w.trigger().kind() == Trigger.Kind.API)
        .forEach(w -> assertThat(w.example()).as(w.name() + " example").isNotEmpty());
  }
}
