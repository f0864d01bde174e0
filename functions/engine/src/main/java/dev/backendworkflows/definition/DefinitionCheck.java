package dev.backendworkflows.definition;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/**
 * The build's check of a definitions folder: loads every definition in full — JSON Schema and
 * semantics, every error at once as {@code file: path: reason}, failing the build — then writes
 * {@link DefinitionLoader#VALIDATED_FILE}, so each function loads only its own workflows and skips
 * the checks the build made; keeps the current version of each workflow in the folder's
 * {@value KeptVersions#FOLDER} (and in the source folder's, when given, for later builds to ship).
 * Usage: {@code DefinitionCheck <folder> [<source folder>]}.
 */
public final class DefinitionCheck {
  private DefinitionCheck() {}

  public static void main(String[] args) {
    if (args.length < 1 || args.length > 2) {
      throw new IllegalArgumentException("usage: DefinitionCheck <folder of workflow definitions> [<their source folder>]");
    }
    Path dir = Path.of(args[0]);
    Workflows workflows = new DefinitionLoader().load(dir); // throws DefinitionException listing every error
    // the artifact carries the current version of every workflow among the kept ones; so does the source
    // folder (new files there are to be committed), so that the next build ships this one's versions too
    int kept = KeptVersions.keep(DefinitionLoader.sources(dir), dir.resolve(KeptVersions.FOLDER));
    if (args.length == 2) {
      kept = KeptVersions.keep(DefinitionLoader.sources(dir), Path.of(args[1]).resolve(KeptVersions.FOLDER));
      if (kept > 0) {
        System.out.println("kept " + kept + " new workflow version(s) in " + Path.of(args[1]).resolve(KeptVersions.FOLDER)
            + ": commit them, so later deploys can finish the runs these versions start");
      }
    }
    String digests = DefinitionLoader.sources(dir).values().stream().map(DefinitionLoader::digest).sorted()
        .collect(Collectors.joining("\n", "", "\n"));
    try {
      Files.writeString(dir.resolve(DefinitionLoader.VALIDATED_FILE), digests, StandardCharsets.UTF_8);
      // the OpenAPI document of these workflows, beside the artifact's classes (target/openapi.json)
      Path openApi = dir.toAbsolutePath().getParent().resolveSibling("openapi.json");
      Files.writeString(openApi, dev.backendworkflows.internal.Json.write(
          dev.backendworkflows.http.OpenApi.document(workflows, null)), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("definitions checked: " + workflows.byName().size() + " workflows in " + dir
        + (workflows.warnings().isEmpty() ? "" : "; warnings:\n  " + workflows.warnings().stream().map(Object::toString)
            .collect(Collectors.joining("\n  "))));
  }
}
