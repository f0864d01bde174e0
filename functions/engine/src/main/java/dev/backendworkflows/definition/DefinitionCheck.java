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
 * the checks the build made. Usage: {@code DefinitionCheck <folder>}.
 */
public final class DefinitionCheck {
  private DefinitionCheck() {}

  public static void main(String[] args) {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: DefinitionCheck <folder of workflow definitions>");
    }
    Path dir = Path.of(args[0]);
    Workflows workflows = new DefinitionLoader().load(dir); // throws DefinitionException listing every error
    String digests = DefinitionLoader.sources(dir).values().stream().map(DefinitionLoader::digest).sorted()
        .collect(Collectors.joining("\n", "", "\n"));
    try {
      Files.writeString(dir.resolve(DefinitionLoader.VALIDATED_FILE), digests, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.println("definitions checked: " + workflows.byName().size() + " workflows in " + dir
        + (workflows.warnings().isEmpty() ? "" : "; warnings:\n  " + workflows.warnings().stream().map(Object::toString)
            .collect(Collectors.joining("\n  "))));
  }
}
