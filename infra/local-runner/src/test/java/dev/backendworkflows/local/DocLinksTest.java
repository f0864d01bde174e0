package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.testutils.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ link only to files a clone has, and every link resolves: the file exists,
 * and a #section is a heading of it (GitHub's anchors).
 */
class DocLinksTest {
  private static final Pattern LINK = Pattern.compile("(?<!!)\\[[^\\]]*]\\(([^)\\s]+)\\)");
  private static final Pattern AUTOLINK = Pattern.compile("<(https?://[^>]+)>");
  private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$");
  private static final Pattern EXPLICIT = Pattern.compile("<a id=\"([^\"]+)\"></a>");

  private static List<Path> documents() throws IOException {
    Path root = Fixtures.projectRoot();
    List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md"), root.resolve("BENCHMARKS.md")));
    try (Stream<Path> files = Files.list(root.resolve("docs"))) {
      files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  /** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
  static String anchor(String heading) {
    String text = heading.replaceAll("`", "").replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
    return text.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  private static Set<String> anchors(Path file) throws IOException {
    Set<String> out = new HashSet<>();
    boolean fence = false;
    for (String line : Files.readAllLines(file)) {
      if (line.startsWith("```")) {
        fence = !fence;
      }
      Matcher explicit = EXPLICIT.matcher(line);
      while (explicit.find()) {
        out.add(explicit.group(1));
      }
      Matcher h = HEADING.matcher(line);
      if (!fence && h.matches()) {
        String a = anchor(h.group(1));
        String unique = a;
        for (int i = 1; !out.add(unique); i++) {
          unique = a + "-" + i;
        }
      }
    }
    return out;
  }

  @Test
  void everyLinkResolvesInAClone() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : documents()) {
      String text = Files.readString(doc);
      Matcher m = LINK.matcher(text);
      while (m.find()) {
        String target = m.group(1);
        checked++;
        if (target.matches("(?i)^[a-z][a-z0-9+.-]*:.*")) {
          broken.add(doc.getFileName() + ": " + target + " is outside the repository");
          continue;
        }
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String section = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(doc.getFileName() + ": " + target + " (no such file)");
        } else if (section != null && !anchors(resolved).contains(section)) {
          broken.add(doc.getFileName() + ": " + target + " (no such heading in " + resolved.getFileName() + ")");
        }
      }
      Matcher auto = AUTOLINK.matcher(text);
      while (auto.find()) {
        broken.add(doc.getFileName() + ": <" + auto.group(1) + "> is outside the repository");
      }
    }
    assertThat(checked).isGreaterThan(20);
    assertThat(broken).isEmpty();
  }

  @Test
  void anchor_followsGitHubsRule() {
    assertThat(anchor("Durable runs: what happens when something fails")).isEqualTo("durable-runs-what-happens-when-something-fails");
    assertThat(anchor("Command line: bw")).isEqualTo("command-line-bw");
    assertThat(anchor("`bw` and the CLI")).isEqualTo("bw-and-the-cli");
  }
}
