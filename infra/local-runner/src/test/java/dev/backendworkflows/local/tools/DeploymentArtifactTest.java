package dev.backendworkflows.local.tools;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The artifact template.yaml deploys holds the handler it names, and the app's workflows. */
class DeploymentArtifactTest {
  private final Path jar = Fixtures.projectRoot().resolve(TemplateGenerator.CODE_URI);

  @Test
  void everyHandlerNamedInTheTemplateExistsInTheBuiltArtifact() throws Exception {
    assertThat(jar).as("the Lambda artifact; ./mvnw package builds it before this module's tests run").exists();
    JsonNode template = Json.YAML.readTree(Files.readString(Fixtures.projectRoot().resolve("template.yaml")));
    Set<String> handlers = new HashSet<>();
    handlers.add(template.path("Globals").path("Function").path("Handler").asText());
    template.path("Resources").forEach(r -> {
      if (r.path("Properties").has("Handler")) {
        handlers.add(r.path("Properties").path("Handler").asText());
      }
      if (r.path("Type").asText().equals("AWS::Serverless::Function")) {
        assertThat(r.path("Properties").path("CodeUri").asText()).isEqualTo(TemplateGenerator.CODE_URI);
      }
    });
    // the artifact alone (no test classpath): it must carry everything the handler needs
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, ClassLoader.getPlatformClassLoader())) {
      for (String handler : handlers) {
        String className = handler.substring(0, handler.indexOf("::"));
        Class<?> cls = Class.forName(className, false, loader);
        assertThat(loader.loadClass(RequestStreamHandler.class.getName()).isAssignableFrom(cls)).as(handler).isTrue();
        assertThat(cls.getMethod(handler.substring(handler.indexOf("::") + 2), java.io.InputStream.class,
            java.io.OutputStream.class, loader.loadClass("com.amazonaws.services.lambda.runtime.Context"))).isNotNull();
      }
    }
  }

  @Test
  void theArtifactCarriesTheAppsWorkflows() throws Exception {
    Set<String> inJar = new HashSet<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      file.stream().map(e -> e.getName()).filter(n -> n.startsWith("workflows/") && n.endsWith(".yaml")).forEach(inJar::add);
    }
    Set<String> shipped = new HashSet<>();
    try (Stream<Path> files = Files.walk(Fixtures.shippedWorkflows())) { // with versions/: the kept versions ship too
      files.filter(f -> f.toString().endsWith(".yaml"))
          .forEach(f -> shipped.add("workflows/" + Fixtures.shippedWorkflows().relativize(f).toString().replace('\\', '/')));
    }
    assertThat(shipped).anyMatch(n -> n.startsWith("workflows/" + dev.backendworkflows.definition.KeptVersions.FOLDER + "/"));
    assertThat(inJar).isEqualTo(shipped);
  }
}
