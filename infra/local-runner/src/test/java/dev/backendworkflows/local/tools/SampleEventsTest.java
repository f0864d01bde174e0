package dev.backendworkflows.local.tools;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code events/} is generated from the workflows' examples; this fails when it is stale. */
class SampleEventsTest {
  private static final String REGENERATE = "events/ is stale: regenerate with ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am "
      + "-Dexec.mainClass=dev.backendworkflows.local.tools.SampleEvents";

  @Test
  void eventsFolderMatchesTheDefinitions() throws Exception {
    Map<String, String> expected = SampleEvents.generate(new DefinitionLoader().load(Fixtures.shippedWorkflows()));
    Path events = Fixtures.projectRoot().resolve("events");
    for (var e : expected.entrySet()) {
      Path file = events.resolve(e.getKey());
      assertThat(file).as(REGENERATE).exists();
      assertThat(Files.readString(file)).as(REGENERATE + " (" + e.getKey() + ")").isEqualTo(e.getValue());
    }
    try (Stream<Path> files = Files.list(events)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("events/*.json that nothing generates: " + REGENERATE).allMatch(expected::containsKey);
    }
  }
}
