package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileMapTest {
  @TempDir
  Path dir;

  @Test
  void putGetRemove_keepValuesOnDiskAcrossInstances() {
    FileMap map = FileMap.open(dir);
    assertThat(map.put("a", "1")).isNull();
    assertThat(map.put("a", "2")).isEqualTo("1");
    assertThat(map.putIfAbsent("a", "3")).isEqualTo("2");
    assertThat(map.remove("a", "1")).as("a stale value").isFalse();

    assertThat(FileMap.open(dir).get("a")).isEqualTo("2");
    assertThat(map.remove("a", "2")).isTrue();
    assertThat(map.get("a")).isNull();
    assertThat(map.containsKey("a")).isFalse();
  }

  @Test
  void keys_thatDifferOnlyInCaseOrAreLongOrOdd_stayApart() {
    FileMap map = FileMap.open(dir);
    String longKey = "k".repeat(1_000);
    map.put("Run-1", "upper");
    map.put("run-1", "lower");
    map.put(longKey, "long");
    map.put("a/../b\n\"c\"", "odd");

    assertThat(map.get("Run-1")).isEqualTo("upper");
    assertThat(map.get("run-1")).isEqualTo("lower");
    assertThat(map.get(longKey)).isEqualTo("long");
    assertThat(Map.copyOf(map)).containsOnly(Map.entry("Run-1", "upper"), Map.entry("run-1", "lower"),
        Map.entry(longKey, "long"), Map.entry("a/../b\n\"c\"", "odd"));
    assertThat(map).hasSize(4);
  }

  @Test
  void close_whenTemporary_removesItsFolder() throws Exception {
    FileMap map = FileMap.temporary("bw-test-archive");
    map.put("a", "1");
    Path folder;
    try (var files = Files.walk(Path.of(System.getProperty("java.io.tmpdir")), 1)) {
      folder = files.filter(p -> p.getFileName().toString().startsWith("bw-test-archive"))
          .filter(p -> FileMap.open(p).containsKey("a")).findFirst().orElseThrow();
    }
    map.close();
    assertThat(folder).doesNotExist();
  }

  @Test
  void iteration_passesOverFilesItDidNotWriteAndFilesItCannotRead() throws Exception {
    FileMap map = FileMap.open(dir);
    map.put("a", "1");
    Files.writeString(dir.resolve(".DS_Store"), "finder");
    Files.writeString(dir.resolve("ab"), "a file where a folder would be");
    Path folder;
    try (var folders = Files.list(dir)) {
      folder = folders.filter(Files::isDirectory).findFirst().orElseThrow();
    }
    Files.writeString(folder.resolve("0".repeat(64)), "torn: no newline");
    Files.writeString(folder.resolve("notes.txt"), "stray");

    assertThat(Map.copyOf(map)).containsOnly(Map.entry("a", "1"));
    assertThat(map).hasSize(2); // counted by file name: the torn file is a name like the others
  }
}
