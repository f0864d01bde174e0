package dev.backendworkflows.runlog.local;

import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunPage;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link RunLog} over a concurrent map of JSON strings, one execution per run id; writes are
 * compare-and-set on the stored version. Expired runs are invisible, as with TTL.
 *
 * <p>Given an archive, it keeps at most {@code keepRecent} finished runs in {@code recent} and moves
 * the oldest finished ones to the archive (the local runner's is one file per run in its data
 * directory), so memory stays bounded however many runs there are. An archived run still loads,
 * lists, answers a duplicate request and can be written again; only where it is kept changes.
 */
public final class MapRunLog implements RunLog {
  private static final int STRIPES = 64;
  private final ConcurrentMap<String, String> map;
  private final ConcurrentMap<String, String> archive;
  private final int keepRecent;
  private final Clock clock;
  /** Finished runs in {@code map}, oldest finish first: the order they move to the archive. */
  private final java.util.Queue<String> finished = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger finishedCount = new java.util.concurrent.atomic.AtomicInteger();
  /** A run's creation and its move between the maps exclude each other, so no id is created twice. */
  private final Object[] stripes = new Object[STRIPES];

  public MapRunLog(ConcurrentMap<String, String> map, Clock clock) {
    this(map, null, Integer.MAX_VALUE, clock);
  }

  public MapRunLog(Clock clock) {
    this(new ConcurrentSkipListMap<>(), clock);
  }

  /**
   * @param archive where finished runs beyond the newest {@code keepRecent} go; null keeps all in {@code map}
   * @throws IllegalArgumentException when {@code keepRecent} is below 1
   */
  public MapRunLog(ConcurrentMap<String, String> map, ConcurrentMap<String, String> archive, int keepRecent, Clock clock) {
    if (keepRecent < 1) {
      throw new IllegalArgumentException("keepRecent must be at least 1, got " + keepRecent);
    }
    this.map = map;
    this.archive = archive;
    this.keepRecent = keepRecent;
    this.clock = clock;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
    if (archive != null) {
      // the map is the authority: a copy left in the archive by a move a crash cut short goes
      map.keySet().forEach(archive::remove);
      // runs kept from before a restart: the oldest finished move first
      map.values().stream().map(MapRunLog::decodeRecord)
          .filter(r -> r.status() != RunStatus.RUNNING)
          .sorted(Comparator.comparing(RunRecord::startedAt))
          .forEach(r -> {
            finished.add(r.runId());
            finishedCount.incrementAndGet();
          });
      archiveOldest();
    }
  }

  @Override
  public Optional<RunRecord> get(String runId) {
    return load(runId).map(Execution::record);
  }

  @Override
  public Optional<Execution> load(String runId) {
    return Optional.ofNullable(stored(runId)).map(MapRunLog::decode).filter(e -> live(e.record()));
  }

  private String stored(String runId) {
    String json = map.get(runId);
    if (json == null && archive != null) {
      json = archive.get(runId);
      if (json == null) { // or it moved between the two reads: read again while no move can run
        synchronized (stripe(runId)) {
          json = map.get(runId);
          if (json == null) {
            json = archive.get(runId);
          }
        }
      }
    }
    return json;
  }

  /**
   * @throws IllegalArgumentException when the execution is over DynamoDB's 400 KB item limit, as
   *     DynamoDB refuses it (the engine keeps executions under it; this keeps the local store as strict)
   */
  @Override
  public boolean write(Execution execution, long expectedVersion) {
    String json = Json.write(execution);
    if (json.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > ItemBudget.ITEM_LIMIT) {
      throw new IllegalArgumentException("run " + execution.runId() + " is over the 400 KB item limit");
    }
    boolean written = archive == null ? compareAndSet(execution.runId(), json, expectedVersion)
        : writeBesideArchive(execution.runId(), json, expectedVersion);
    if (written && archive != null && execution.record().status() != RunStatus.RUNNING) {
      finished.add(execution.runId()); // may repeat an id (a run finished, reopened, finished): moving checks
      finishedCount.incrementAndGet();
      archiveOldest();
    }
    return written;
  }

  private boolean compareAndSet(String runId, String json, long expectedVersion) {
    if (expectedVersion == 0) {
      return map.putIfAbsent(runId, json) == null;
    }
    while (true) {
      String before = map.get(runId);
      if (before == null || decode(before).version() != expectedVersion) {
        return false;
      }
      if (map.replace(runId, before, json)) {
        return true;
      }
    }
  }

  private boolean writeBesideArchive(String runId, String json, long expectedVersion) {
    synchronized (stripe(runId)) {
      if (map.containsKey(runId)) { // the map is the authority; the archive is read only when it misses
        return compareAndSet(runId, json, expectedVersion);
      }
      String archived = archive.get(runId);
      if (archived == null) {
        return compareAndSet(runId, json, expectedVersion);
      }
      // an archived run written again (a retry of a finished run): it comes back to the map
      if (expectedVersion == 0 || decode(archived).version() != expectedVersion || map.putIfAbsent(runId, json) != null) {
        return false;
      }
      try {
        archive.remove(runId, archived);
      } catch (RuntimeException leftBehind) { // harmless: the map wins, and the next start removes it
      }
      return true;
    }
  }

  private void archiveOldest() {
    while (finishedCount.get() > keepRecent) {
      String runId = finished.poll();
      if (runId == null) {
        return;
      }
      finishedCount.decrementAndGet();
      synchronized (stripe(runId)) {
        String json = map.get(runId);
        if (json != null && decodeRecord(json).status() != RunStatus.RUNNING) {
          try {
            // archived before it leaves the map: a crash between leaves it in both (the map wins), never in neither
            archive.put(runId, json);
            map.remove(runId, json);
          } catch (RuntimeException full) { // a disk full, say: the run stays in memory, and the write that got here stands
            return;
          }
        }
      }
    }
  }

  private Object stripe(String runId) {
    return stripes[Math.floorMod(runId.hashCode(), STRIPES)];
  }

  @Override
  public RunPage query(RunQuery query) {
    int offset = 0;
    if (query.cursor() != null) {
      Object o = Cursors.decode(query.cursor()).get("offset");
      if (!(o instanceof Number n) || n.intValue() < 0) {
        throw new dev.backendworkflows.exceptions.InvalidCursorException(query.cursor());
      }
      offset = n.intValue();
    }
    // the archive holds finished runs only; it is walked without asking its size (which would read it)
    java.util.stream.Stream<String> all = archive == null || query.status() == RunStatus.RUNNING
        ? map.values().stream()
        : java.util.stream.Stream.concat(map.values().stream(), java.util.stream.StreamSupport.stream(
            java.util.Spliterators.spliteratorUnknownSize(archive.values().iterator(), 0), false));
    // a local store reads every run; it keeps only the newest it may answer with, so listing an
    // archive of any size holds one page (and its offset) in memory. A run moving to the archive is
    // briefly in both maps: equal records are one entry of the sorted set.
    long want = (long) offset + query.limit() + 1; // one more than the page tells whether another follows
    java.util.TreeSet<RunRecord> newest = new java.util.TreeSet<>(
        Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::runId).reversed());
    all.map(MapRunLog::decodeRecord)
        .filter(this::live)
        .filter(r -> query.workflow() == null || query.workflow().equals(r.workflow()))
        .filter(r -> query.status() == null || query.status() == r.status())
        .filter(query::versionMatches)
        .forEach(r -> {
          newest.add(r);
          if (newest.size() > want) {
            newest.pollLast();
          }
        });
    List<RunRecord> page = newest.stream().skip(offset).limit(query.limit()).toList();
    boolean more = newest.size() > (long) offset + query.limit();
    return new RunPage(page, more ? Cursors.encode(Map.of("offset", offset + page.size())) : null);
  }

  /** The run record alone, without converting the journal beside it. */
  private static RunRecord decodeRecord(String json) {
    com.fasterxml.jackson.databind.JsonNode tree = Json.tree(json);
    return Json.MAPPER.convertValue(tree.has("record") ? tree.get("record") : tree, RunRecord.class);
  }

  private static Execution decode(String json) {
    com.fasterxml.jackson.databind.JsonNode tree = Json.tree(json);
    if (!tree.has("record")) { // written by a version that kept only the record: a finished run
      return new Execution(Json.MAPPER.convertValue(tree, RunRecord.class), null, 1, null, 0);
    }
    return Json.MAPPER.convertValue(tree, Execution.class);
  }

  private boolean live(RunRecord r) {
    return r.liveAt(clock.instant());
  }
}
