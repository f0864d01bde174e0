package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournaledMapTest {
  @TempDir
  Path dir;

  @Test
  void everyChangeSurvivesReopening() {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      m.put("a", "1");
      m.putIfAbsent("b", "2");
      m.putIfAbsent("b", "ignored");
      m.replace("a", "1", "3");
      m.put("c", "x");
      m.remove("c");
    }
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of("a", "3", "b", "2")));
    }
  }

  @Test
  void aLineTornByACrashIsDroppedAndTheRestKept() throws Exception {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      m.put("kept", "yes");
    }
    Files.writeString(file, "[\"p\",\"torn\",\"val", StandardOpenOption.APPEND);
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsOnlyKeys("kept");
    }
  }

  @Test
  void openingCompactsTheJournal() throws Exception {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      for (int i = 0; i < 100; i++) {
        m.put("k", "v" + i);
      }
    }
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsEntry("k", "v99");
    }
    assertThat(Files.readAllLines(file)).hasSize(1);
  }

  @Test
  void unjournaledMutatorsAreRefusedNotLost() {
    try (JournaledMap m = JournaledMap.open(dir.resolve("m.journal"))) {
      assertThatThrownBy(() -> m.merge("a", "b", (x, y) -> y)).isInstanceOf(UnsupportedOperationException.class);
    }
  }
}
