package dev.backendworkflows.local.tools;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.KeptVersions;
import java.nio.file.Path;

/**
 * Keeps the current version of every workflow in {@code functions/workflows/versions/}, beside the
 * versions kept before, so the artifact carries them: a run continued after a deploy changed its
 * workflow runs on under the version it started with. Commit the folder; a test fails when the
 * current versions are not in it.
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.KeepVersions}
 */
public final class KeepVersions {
  private KeepVersions() {}

  public static void main(String[] args) {
    Path dir = Path.of(args.length > 0 ? args[0] : ".").resolve("functions/workflows");
    new DefinitionLoader().load(dir); // only definitions that load are kept
    int written = KeptVersions.keep(DefinitionLoader.sources(dir), dir.resolve(KeptVersions.FOLDER));
    System.out.println("kept " + written + " new workflow version(s) in " + dir.resolve(KeptVersions.FOLDER));
  }
}
