package dev.backendworkflows.runlog.local;

import dev.backendworkflows.execution.Execution;
import dev.backendworkflows.execution.ItemBudget;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunPage;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
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
 */
public final class MapRunLog implements RunLog {
  private final ConcurrentMap<String, String> map;
  private final Clock clock;

  public MapRunLog(ConcurrentMap<String, String> map, Clock clock) {
    this.map = map;
    this.clock = clock;
  }

  public MapRunLog(Clock clock) {
    this(new ConcurrentSkipListMap<>(), clock);
  }

  @Override
  public Optional<RunRecord> get(String runId) {
    return load(runId).map(Execution::record);
  }

  @Override
  public Optional<Execution> load(String runId) {
    return Optional.ofNullable(map.get(runId)).map(MapRunLog::decode).filter(e -> live(e.record()));
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
    if (expectedVersion == 0) {
      return map.putIfAbsent(execution.runId(), json) == null;
    }
    while (true) {
      String before = map.get(execution.runId());
      if (before == null || decode(before).version() != expectedVersion) {
        return false;
      }
      if (map.replace(execution.runId(), before, json)) {
        return true;
      }
    }
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
    List<RunRecord> matching = map.values().stream()
        .map(s -> decode(s).record()) // a local store: reading every run is fine at its scale
        .filter(this::live)
        .filter(r -> query.workflow() == null || query.workflow().equals(r.workflow()))
        .filter(r -> query.status() == null || query.status() == r.status())
        .sorted(Comparator.comparing(RunRecord::startedAt).thenComparing(RunRecord::runId).reversed())
        .toList();
    int from = Math.min(offset, matching.size());
    int to = Math.min(from + query.limit(), matching.size());
    return new RunPage(matching.subList(from, to), to < matching.size() ? Cursors.encode(Map.of("offset", to)) : null);
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
