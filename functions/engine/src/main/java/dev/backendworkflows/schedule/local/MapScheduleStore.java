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
import dev.backendworkflows.schedule.ScheduleWrite;
import dev.backendworkflows.schedule.ScheduledRun;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link ScheduleStore} over a concurrent map of JSON strings; changes are compare-and-set, and
 * writes to runs and jobs take one lock so that a {@link #write} transaction is seen whole. Keys of
 * recurring events, batch jobs and chain markers carry a prefix of their own, so they never meet runs.
 */
public final class MapScheduleStore implements ScheduleStore {
  private final ConcurrentMap<String, String> map;
  private final Object writes = new Object();

  public MapScheduleStore(ConcurrentMap<String, String> map) {
    this.map = map;
  }

  public MapScheduleStore() {
    this(new ConcurrentSkipListMap<>());
  }

  private java.util.stream.Stream<String> runs() {
    return map.entrySet().stream().filter(e -> !e.getKey().startsWith(RECURRING) && !e.getKey().startsWith(CANCELLED_CHAIN)
            && !e.getKey().startsWith(BATCH) && !e.getKey().startsWith(COUNTER))
        .map(Map.Entry::getValue);
  }

  @Override
  public void create(ScheduledRun run) {
    synchronized (writes) {
      if (map.putIfAbsent(run.id(), Json.write(run)) != null) {
        throw new ScheduleConflictException(run.id());
      }
    }
  }

  @Override
  public Optional<ScheduledRun> get(String id) {
    return Optional.ofNullable(map.get(id)).map(MapScheduleStore::decode);
  }

  @Override
  public boolean replace(ScheduledRun next, long expectedVersion) {
    return write(List.of(new ScheduleWrite.Replace(next, expectedVersion)));
  }

  @Override
  public boolean write(List<ScheduleWrite> changes) {
    java.util.Set<String> records = new java.util.HashSet<>();
    for (ScheduleWrite w : changes) { // as DynamoDB: a transaction writes each record once
      String record = switch (w) {
        case ScheduleWrite.Create c -> c.run().id();
        case ScheduleWrite.Replace r -> r.next().id();
        case ScheduleWrite.UpdateBatch u -> BATCH + u.batchId();
        case ScheduleWrite.Count c -> COUNTER + c.name();
      };
      if (!records.add(record)) {
        throw new IllegalArgumentException("a transaction writes " + record + " twice");
      }
    }
    synchronized (writes) {
      for (ScheduleWrite w : changes) {
        boolean holds = switch (w) {
          case ScheduleWrite.Create c -> !map.containsKey(c.run().id());
          case ScheduleWrite.Replace r -> map.containsKey(r.next().id()) && decode(map.get(r.next().id())).version() == r.expectedVersion();
          case ScheduleWrite.UpdateBatch u -> getBatch(u.batchId()).map(j -> u.allows(j.status())).orElse(false);
          case ScheduleWrite.Count c -> counter(c.name()) < c.max();
        };
        if (!holds) {
          return false;
        }
      }
      for (ScheduleWrite w : changes) {
        switch (w) {
          case ScheduleWrite.Create c -> map.put(c.run().id(), Json.write(c.run()));
          case ScheduleWrite.Replace r -> map.put(r.next().id(), Json.write(r.next()));
          case ScheduleWrite.UpdateBatch u -> map.put(BATCH + u.batchId(), Json.write(getBatch(u.batchId()).orElseThrow().updated(u)));
          case ScheduleWrite.Count c -> map.put(COUNTER + c.name(), Long.toString(counter(c.name()) + 1));
        }
      }
      return true;
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
  public SchedulePage failedItems(String chainId, int limit, String cursor) {
    List<ScheduledRun> all = runs().map(MapScheduleStore::decode)
        .filter(r -> chainId.equals(r.chainId()) && r.kind() == ScheduledRun.Kind.ITEM && r.status() == ScheduleStatus.FAILED)
        .sorted(Comparator.comparing(ScheduledRun::id)).toList();
    int from = 0;
    if (cursor != null) {
      if (!(Cursors.decode(cursor).get("after") instanceof String after)) {
        throw new InvalidCursorException(cursor);
      }
      while (from < all.size() && all.get(from).id().compareTo(after) <= 0) {
        from++;
      }
    }
    int to = Math.min(from + limit, all.size());
    return new SchedulePage(all.subList(from, to), to < all.size() ? Cursors.encode(Map.of("after", all.get(to - 1).id())) : null);
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
  private static final String COUNTER = "counter:";

  @Override
  public long counter(String name) {
    String v = map.get(COUNTER + name);
    return v == null ? 0 : Long.parseLong(v);
  }

  @Override
  public void createBatch(BatchJob job) {
    synchronized (writes) {
      if (map.putIfAbsent(BATCH + job.id(), Json.write(job)) != null) {
        throw new ScheduleConflictException(job.id());
      }
    }
  }

  @Override
  public Optional<BatchJob> getBatch(String id) {
    return Optional.ofNullable(map.get(BATCH + id)).map(s -> Json.read(s, BatchJob.class));
  }

  @Override
  public List<BatchJob> batches(BatchJob.Status status, int limit) {
    return map.entrySet().stream().filter(e -> e.getKey().startsWith(BATCH)).map(e -> Json.read(e.getValue(), BatchJob.class))
        .filter(j -> j.status() == status).sorted(Comparator.comparing(BatchJob::createdAt)).limit(limit).toList();
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
