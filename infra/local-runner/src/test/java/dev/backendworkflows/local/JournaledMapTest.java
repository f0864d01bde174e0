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
  void aBatchIsAppliedWholeOrNotAtAll() throws Exception {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      m.put("gone", "x");
      java.util.Map<String, String> batch = new java.util.LinkedHashMap<>();
      batch.put("thing", "v2");
      batch.put("change#1", "c");
      batch.put("gone", null);
      m.applyAll(batch);
      assertThat(m).containsOnlyKeys("thing", "change#1");
    }
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of("thing", "v2", "change#1", "c")));
    }
    // a batch torn by a crash: neither the thing nor its change record is there
    String whole = Files.readString(file);
    Files.writeString(file, whole + "[\"b\",{\"thing\":\"v3\",\"change#2\":\"c", StandardOpenOption.TRUNCATE_EXISTING);
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsEntry("thing", "v2").doesNotContainKey("change#2");
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
  void put_whenTheJournalOutgrowsTheMap_compactsItWhileOpen() throws Exception {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      m.put("other", "kept");
      for (int i = 0; i <= JournaledMap.COMPACT_AFTER * 3; i++) {
        m.put("k", "v" + i);
      }
      assertThat(Files.readAllLines(file).size()).as("lines while open").isLessThanOrEqualTo(JournaledMap.COMPACT_AFTER + 2);
      m.put("after", "compaction");
    }
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).containsOnly(java.util.Map.entry("other", "kept"), java.util.Map.entry("k", "v" + JournaledMap.COMPACT_AFTER * 3),
          java.util.Map.entry("after", "compaction"));
    }
  }

  @Test
  void put_whenCompactingFails_keepsTheChangeAndJournalsTheRest() throws Exception {
    Path file = dir.resolve("m.journal");
    try (JournaledMap m = JournaledMap.open(file)) {
      // a folder (not empty, so it stays) where the compacted file would go: every compaction fails, as on a full disk
      Files.writeString(Files.createDirectory(dir.resolve("m.journal.tmp")).resolve("x"), "x");
      for (int i = 0; i <= JournaledMap.COMPACT_AFTER * 2 + 5; i++) {
        m.put("k" + (i % 10), "v" + i);
      }
      assertThat(Files.readAllLines(file)).as("nothing compacted").hasSize(JournaledMap.COMPACT_AFTER * 2 + 6);
      Files.delete(dir.resolve("m.journal.tmp").resolve("x"));
      Files.delete(dir.resolve("m.journal.tmp"));
    }
    try (JournaledMap m = JournaledMap.open(file)) {
      assertThat(m).hasSize(10).containsEntry("k5", "v" + (JournaledMap.COMPACT_AFTER * 2 + 5));
    }
  }

  @Test
  void unjournaledMutatorsAreRefusedNotLost() {
    try (JournaledMap m = JournaledMap.open(dir.resolve("m.journal"))) {
      assertThatThrownBy(() -> m.merge("a", "b", (x, y) -> y)).isInstanceOf(UnsupportedOperationException.class);
    }
  }
}
