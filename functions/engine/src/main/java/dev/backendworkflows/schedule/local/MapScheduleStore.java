package dev.backendworkflows.schedule.local;

import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.exceptions.ScheduleConflictException;
import dev.backendworkflows.internal.Cursors;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.RecurringEvent;
import dev.backendworkflows.schedule.SchedulePage;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduleStore;
import dev.backendworkflows.schedule.ScheduledRun;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.UnaryOperator;

/**
 * {@link ScheduleStore} over a concurrent map of JSON strings; changes are compare-and-set. Keys of
 * recurring events, batch jobs and chain markers carry a prefix of their own, so they never meet runs.
 */
public final class MapScheduleStore implements ScheduleStore {
  private final ConcurrentMap<String, String> map;

  public MapScheduleStore(ConcurrentMap<String, String> map) {
    this.map = map;
  }

  public MapScheduleStore() {
    this(new ConcurrentSkipListMap<>());
  }

  private java.util.stream.Stream<String> runs() {
    return map.entrySet().stream().filter(e -> !e.getKey().startsWith(RECURRING) && !e.getKey().startsWith(CANCELLED_CHAIN)
            && !e.getKey().startsWith(BATCH))
        .map(Map.Entry::getValue);
  }

  @Override
  public void create(ScheduledRun run) {
    if (map.putIfAbsent(run.id(), Json.write(run)) != null) {
      throw new ScheduleConflictException(run.id());
    }
  }

  @Override
  public Optional<ScheduledRun> get(String id) {
    return Optional.ofNullable(map.get(id)).map(MapScheduleStore::decode);
  }

  @Override
  public boolean replace(ScheduledRun next, long expectedVersion) {
    String json = Json.write(next);
    while (true) {
      String before = map.get(next.id());
      if (before == null || decode(before).version() != expectedVersion) {
        return false;
      }
      if (map.replace(next.id(), before, json)) {
        return true;
      }
    }
  }

  @Override
  public SchedulePage list(ScheduleStatus status, String workflow, int limit, String cursor) {
    int offset = 0;
    if (cursor != null) {
      if (!(Cursors.decode(cursor).get("offset") instanceof Number n) || n.intValue() < 0) {
        throw new InvalidCursorException(cursor);
      }
      offset = n.intValue();
    }
    List<ScheduledRun> all = runs().map(MapScheduleStore::decode)
        .filter(r -> r.status() == status && (workflow == null || workflow.equals(r.workflow())))
        .sorted(Comparator.comparing(ScheduledRun::dueAt).thenComparing(ScheduledRun::id)).toList();
    int from = Math.min(offset, all.size());
    int to = Math.min(from + limit, all.size());
    return new SchedulePage(all.subList(from, to), to < all.size() ? Cursors.encode(Map.of("offset", to)) : null);
  }

  @Override
  public List<ScheduledRun> due(Instant now, int limit) {
    return runs().map(MapScheduleStore::decode)
        .filter(r -> r.status() == ScheduleStatus.PENDING && !r.dueAt().isAfter(now))
        .sorted(Comparator.comparing(ScheduledRun::dueAt).thenComparing(ScheduledRun::id)).limit(limit).toList();
  }

  private static final String RECURRING = "recurring:";
  private static final String CANCELLED_CHAIN = "cancelled-chain:";
  private static final String BATCH = "batch-job:";

  @Override
  public void createBatch(BatchJob job) {
    if (map.putIfAbsent(BATCH + job.id(), Json.write(job)) != null) {
      throw new ScheduleConflictException(job.id());
    }
  }

  @Override
  public Optional<BatchJob> getBatch(String id) {
    return Optional.ofNullable(map.get(BATCH + id)).map(s -> Json.read(s, BatchJob.class));
  }

  @Override
  public Optional<BatchJob> setBatchStatus(String id, BatchJob.Status status) {
    return updateBatch(id, j -> j.with(status));
  }

  @Override
  public void addBatchProgress(String id, int done, int failed) {
    updateBatch(id, j -> j.progressed(done, failed));
  }

  @Override
  public void extendBatch(String id, int items) {
    updateBatch(id, j -> j.extended(items));
  }

  private Optional<BatchJob> updateBatch(String id, UnaryOperator<BatchJob> change) {
    while (true) {
      String before = map.get(BATCH + id);
      if (before == null) {
        return Optional.empty();
      }
      BatchJob after = change.apply(Json.read(before, BatchJob.class));
      if (map.replace(BATCH + id, before, Json.write(after))) {
        return Optional.of(after);
      }
    }
  }

  @Override
  public List<ScheduledRun> chain(String chainId) {
    return runs().map(MapScheduleStore::decode).filter(r -> chainId.equals(r.chainId()))
        .sorted(Comparator.comparing(ScheduledRun::dueAt).thenComparing(ScheduledRun::id)).toList();
  }

  @Override
  public void cancelChain(String chainId) {
    map.put(CANCELLED_CHAIN + chainId, "true");
  }

  @Override
  public boolean chainCancelled(String chainId) {
    return map.containsKey(CANCELLED_CHAIN + chainId);
  }

  @Override
  public void putRecurring(RecurringEvent event) {
    map.put(RECURRING + event.id(), Json.write(event));
  }

  @Override
  public Optional<RecurringEvent> getRecurring(String id) {
    return Optional.ofNullable(map.get(RECURRING + id)).map(s -> Json.read(s, RecurringEvent.class));
  }

  @Override
  public boolean deleteRecurring(String id) {
    return map.remove(RECURRING + id) != null;
  }

  @Override
  public List<RecurringEvent> listRecurring() {
    return map.entrySet().stream().filter(e -> e.getKey().startsWith(RECURRING))
        .map(e -> Json.read(e.getValue(), RecurringEvent.class)).toList();
  }

  private static ScheduledRun decode(String json) {
    return Json.read(json, ScheduledRun.class);
  }
}
