package dev.backendworkflows.definition;

import dev.backendworkflows.exceptions.DefinitionException;
import dev.backendworkflows.internal.StructuredLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link DefinitionVersions} kept as files {@code <workflow>@<version>.yaml} — the definition's text,
 * whose hash is its version — in folders: {@code versions/} beside the definitions (committed, so
 * it ships in the artifact), and the local runner's {@code DATA_DIR/versions}. A kept version loads
 * with the current data schema and the current other workflows; one that no longer does (a field
 * it writes was removed, say) is not found, and its runs end {@code definition_changed}.
 * The folder beside the definitions is kept up to date by {@code KeepVersions} (a local-runner tool).
 */
public final class KeptVersions implements DefinitionVersions {
  /** The folder beside the definitions that keeps their versions. */
  public static final String FOLDER = "versions";
  private final Path definitions;
  private final List<Path> folders;
  private final Map<String, Workflows> found = new ConcurrentHashMap<>();
  private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-z][a-z0-9-]{0,63}");
  private static final java.util.regex.Pattern VERSION = java.util.regex.Pattern.compile("[0-9a-f]{12}");

  /** Versions in {@code folders}, loaded beside the current definitions in {@code definitions} (read on first use). */
  public KeptVersions(Path definitions, List<Path> folders) {
    this.definitions = definitions;
    this.folders = List.copyOf(folders);
  }

  /** The file name a version is kept under. */
  public static String fileName(String workflow, String version) {
    return workflow + "@" + version + ".yaml";
  }

  @Override
  public Optional<Workflows> find(String workflow, String version) {
    if (workflow == null || version == null || !NAME.matcher(workflow).matches() || !VERSION.matcher(version).matches()) {
      return Optional.empty(); // not a name or version this project writes: never a path to read
    }
    Workflows hit = found.get(workflow + "@" + version);
    if (hit != null) {
      return Optional.of(hit);
    }
    Optional<Workflows> loaded = load(workflow, version); // what is not found now may be kept later: only hits are remembered
    loaded.ifPresent(w -> found.put(workflow + "@" + version, w));
    return loaded;
  }

  private Optional<Workflows> load(String workflow, String version) {
    for (Path folder : folders) {
      Path file = folder.resolve(fileName(workflow, version));
      if (!Files.isRegularFile(file)) {
        continue;
      }
      String text;
      try {
        text = Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!DefinitionLoader.version(text).equals(version)) {
        StructuredLog.write("warn", "kept definition " + file + " is not version " + version + " (edited by hand?): not used", Map.of());
        continue;
      }
      Map<String, String> sources = new TreeMap<>(DefinitionLoader.sources(definitions));
      sources.keySet().removeIf(name -> name.startsWith(workflow + ".")); // the current file, .yaml or .yml
      sources.put(workflow + ".yaml", text);
      try {
        Workflows loaded = new DefinitionLoader().load(sources);
        return loaded.get(workflow).isPresent() ? Optional.of(loaded) : Optional.empty();
      } catch (DefinitionException e) {
        StructuredLog.write("warn", "kept version " + version + " of " + workflow + " no longer loads beside the current definitions: "
            + e.getMessage(), Map.of("workflow", workflow));
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  /**
   * Keeps the current version of every definition in {@code sources} (file name → text) in
   * {@code folder}, leaving the versions there already (and writing again one whose file does not
   * hold the version its name says).
   *
   * @return how many files it wrote
   */
  public static int keep(Map<String, String> sources, Path folder) {
    int written = 0;
    try {
      Files.createDirectories(folder);
      for (var e : sources.entrySet()) {
        if (e.getKey().equals(DefinitionLoader.DATA_SCHEMA_FILE)) {
          continue;
        }
        String name = e.getKey().replaceFirst("\\.ya?ml$", "");
        String version = DefinitionLoader.version(e.getValue());
        Path file = folder.resolve(fileName(name, version));
        if (Files.isRegularFile(file) && DefinitionLoader.version(Files.readString(file, StandardCharsets.UTF_8)).equals(version)) {
          continue;
        }
        // written whole or not at all: a file cut short by a crash would never match its version again
        Path partial = folder.resolve(file.getFileName() + ".tmp");
        Files.writeString(partial, e.getValue(), StandardCharsets.UTF_8);
        Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        written++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep definition versions in " + folder, e);
    }
    return written;
  }
}
