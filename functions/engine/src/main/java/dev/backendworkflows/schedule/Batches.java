package dev.backendworkflows.schedule;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.exceptions.ScheduleConflictException;
import dev.backendworkflows.execution.ClockWait;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.StructuredLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * "Schedule API workflow on a list" as a durable, throttled batch job — a token bucket. Only one
 * chunk of a job is ever armed: the others wait {@link BatchJob#PARKED} (a list job's) or do not
 * exist yet (a search job's, fetched a page at a time). A chunk's end and the arming of the next
 * (or the job's end) are one transaction, due at {@code max(now, last start + spacing)}; items in a
 * chunk start at least {@link BatchJob#spacing()} apart. So an outage, a sweep or a resume never
 * releases a backlog: the rate holds. Each item is a scheduled run with a deterministic id whose
 * end counts in the job in the same transaction, so a chunk delivered twice, retried or killed at
 * any point runs every item once and the counts stay exact.
 */
public final class Batches {
  private static final int CANCEL_CHECK_EVERY = 50;
  /** When a chunk whose item is held by another live attempt looks again. */
  private static final Duration BUSY_RECHECK = Duration.ofSeconds(30);
  /** When a chunk whose next page could not be fetched tries again. */
  private static final Duration FETCH_RECHECK = Duration.ofSeconds(30);
  /** How much of an invocation a chunk leaves unused before it hands its remaining items to its next delivery. */
  private static final Duration DEADLINE_MARGIN = Duration.ofSeconds(5);
  /** How long one delivery of a chunk runs without a deadline (the local runner) before it hands on: well inside its lease. */
  private static final Duration UNTIMED_SPAN = Duration.ofMinutes(5);
  /** A wait for the next item longer than this is not slept through: the chunk is armed again for then. */
  private static final Duration LONGEST_WAIT = Duration.ofSeconds(10);
  private static final Set<BatchJob.Status> LIVE = Set.of(BatchJob.Status.RUNNING, BatchJob.Status.PAUSED);
  private final Services services;
  private final Workflows workflows;
  private final ScheduledRuns states;

  /** How many running jobs one sweep's watchdog looks at: all of them, up to this (a job record is a few hundred bytes). */
  static final int WATCHED = 10_000;
  /** At most this many chunks in one retry: 10,000 failed items at the smallest batch size, 1. */
  private static final int MAX_RETRY_CHUNKS = 10_000;

  public Batches(Services services, Workflows workflows) {
    this.services = services;
    this.workflows = workflows;
    this.states = new ScheduledRuns(services);
  }

  /**
   * Starts a job over {@code items}. The job is {@code creating} (the sweeper leaves it alone) until
   * every chunk is written, all parked; then, in one transaction, it is running and chunk 0 armed.
   * Run again with the same id (the step replayed after a crash) it finds what was written and
   * writes only what is missing.
   *
   * @throws ActionException {@code unknown_workflow}, {@code not_schedulable}, {@code invalid_argument},
   *     {@code invalid_parameters} (naming the first bad item), {@code params_too_large} (a chunk's items
   *     would not fit its record) — before anything is written
   */
  public BatchJob start(String jobId, String workflow, List<?> items, String itemParam, Map<String, Object> params, int batchSize,
      Double rate, Duration interval, String createdBy) {
    WorkflowDefinition target = Scheduling.schedulable(workflows, workflow);
    checkSettings(batchSize, rate);
    for (int i = 0; i < items.size(); i++) {
      try {
        Scheduling.checkSize(workflow, ParameterBinder.bind(target, itemParams(params, itemParam, items.get(i))));
      } catch (InvalidInputException e) {
        throw new ActionException("invalid_parameters", "item " + i + " of the list does not fit '" + workflow + "': " + e.getMessage());
      }
    }
    int chunks = (items.size() + batchSize - 1) / batchSize;
    for (int k = 0; k < chunks; k++) { // a chunk holds its items: each must fit a record, checked before anything is written
      int bytes = dev.backendworkflows.execution.ItemBudget.bytes(Map.of("items",
          items.subList(k * batchSize, Math.min(items.size(), (k + 1) * batchSize)), "offset", k * batchSize));
      if (bytes > dev.backendworkflows.execution.ItemBudget.MAX_PARAMS_BYTES) {
        throw new ActionException("params_too_large", "chunk " + k + " of the list would hold " + bytes / 1024 + " KiB of items; "
            + "a chunk takes at most " + dev.backendworkflows.execution.ItemBudget.MAX_PARAMS_BYTES / 1024
            + " KiB: lower batch_size, or pass ids and let each run read its data");
      }
    }
    Instant now = services.clock().instant();
    BatchJob job = createOrFind(new BatchJob(jobId, workflow, itemParam, params, items.size(), batchSize, chunks,
        period(batchSize, rate, interval), chunks == 0 ? BatchJob.Status.DONE : BatchJob.Status.CREATING, 0, 0, now, createdBy,
        null, rate, null, null));
    if (job.status() != BatchJob.Status.CREATING) {
      return job;
    }
    for (int k = 0; k < job.chunks(); k++) {
      List<?> slice = items.subList(k * batchSize, Math.min(items.size(), (k + 1) * batchSize));
      createChunk(chunk(job, k, Map.of("items", new ArrayList<>(slice), "offset", k * batchSize), BatchJob.PARKED, now));
    }
    return begin(job, now);
  }

  /** creating → running with chunk 0 armed, in one transaction; a replay finds it done. */
  private BatchJob begin(BatchJob job, Instant now) {
    ScheduledRun first = services.schedules().get(BatchJob.chunkId(job.id(), 0)).orElseThrow();
    List<ScheduleWrite> writes = new ArrayList<>();
    writes.add(ScheduleWrite.UpdateBatch.status(job.id(), Set.of(BatchJob.Status.CREATING), BatchJob.Status.RUNNING)
        .and(ScheduleWrite.UpdateBatch.current(job.id(), first.id(), now)));
    if (first.status() == ScheduleStatus.PENDING && first.dueAt().equals(BatchJob.PARKED)) {
      writes.add(new ScheduleWrite.Replace(first.pendingAgain(now), first.version()));
    }
    if (services.schedules().write(writes)) {
      arrange(first.id(), job, now);
    }
    return services.schedules().getBatch(job.id()).orElseThrow();
  }

  private static void checkSettings(int batchSize, Double rate) {
    if (batchSize < 1 || batchSize > 1000) {
      throw new ActionException("invalid_argument", "batch_size must be from 1 to 1000, got " + batchSize);
    }
    if (rate != null && !(rate > 0 && rate <= 1000)) {
      throw new ActionException("invalid_argument", "rate must be more than 0 and at most 1000 items per second, got " + rate);
    }
  }

  private ScheduledRun chunk(BatchJob job, int index, Map<String, Object> params, Instant due, Instant now) {
    return ScheduledRun.pending(BatchJob.chunkId(job.id(), index), job.workflow(), params, due, "batch:" + job.id(), job.id(), now,
        index + 1).as(ScheduledRun.Kind.CHUNK);
  }

  /** Stores a new job; when the same step created it before a crash, returns that one. */
  private BatchJob createOrFind(BatchJob job) {
    try {
      services.schedules().createBatch(job);
      return job;
    } catch (ScheduleConflictException createdBefore) {
      return services.schedules().getBatch(job.id()).orElseThrow(() -> createdBefore);
    }
  }

  private void createChunk(ScheduledRun chunk) {
    try {
      services.schedules().create(chunk);
    } catch (ScheduleConflictException createdBefore) {
      // made by the attempt that died
    }
  }

  /**
   * A job over the things a search finds (their ids are the items), fetched a page per chunk by
   * cursor in creation order — so it walks any number of things, even while the items delete them.
   */
  public BatchJob startSearch(String jobId, String workflow, ThingQuery search, String itemParam, Map<String, Object> params,
      int batchSize, Double rate, Duration interval, String createdBy) {
    WorkflowDefinition target = Scheduling.schedulable(workflows, workflow);
    checkSettings(batchSize, rate);
    try {
      ParameterBinder.bind(target, itemParams(params, itemParam, "sample-id"));
    } catch (InvalidInputException e) {
      throw new ActionException("invalid_parameters", "a thing id as '" + itemParam + "' does not fit '" + workflow + "': " + e.getMessage());
    }
    Instant now = services.clock().instant();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("type", search.type());
    source.put("constraints", search.constraints().stream().map(Constraint::toPlain).toList());
    BatchJob job = createOrFind(new BatchJob(jobId, workflow, itemParam, params, 0, batchSize, 0, period(batchSize, rate, interval),
        BatchJob.Status.CREATING, 0, 0, now, createdBy, source, rate, null, null));
    if (job.status() != BatchJob.Status.CREATING) {
      return job;
    }
    ThingPage page = fetch(job, null);
    List<ScheduleWrite> writes = new ArrayList<>();
    if (page.things().isEmpty()) {
      writes.add(ScheduleWrite.UpdateBatch.status(job.id(), Set.of(BatchJob.Status.CREATING), BatchJob.Status.DONE));
    } else {
      writes.add(new ScheduleWrite.Create(chunk(job, 0, pageParams(page, 0, job), now, now)));
      writes.add(ScheduleWrite.UpdateBatch.extend(job.id(), page.things().size())
          .and(ScheduleWrite.UpdateBatch.status(job.id(), Set.of(BatchJob.Status.CREATING), BatchJob.Status.RUNNING))
          .and(ScheduleWrite.UpdateBatch.current(job.id(), BatchJob.chunkId(job.id(), 0), now)));
    }
    if (services.schedules().write(writes) && !page.things().isEmpty()) {
      arrange(BatchJob.chunkId(job.id(), 0), job, now);
    }
    return services.schedules().getBatch(job.id()).orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private ThingPage fetch(BatchJob job, String cursor) {
    Map<String, Object> s = job.search();
    List<Constraint> constraints = Constraint.fromPlain(s.get("constraints"));
    String type = (String) s.get("type");
    dev.backendworkflows.definition.DataType dataType = workflows.types().get(type);
    String index = dataType == null ? null : dev.backendworkflows.data.Indexes.choose(services.things(), dataType, constraints);
    return services.things().search(new ThingQuery(type, constraints, null, false,
        Math.min(job.batchSize(), ThingQuery.MAX_LIMIT), cursor, index));
  }

  private static Map<String, Object> pageParams(ThingPage page, int index, BatchJob job) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("items", page.things().stream().map(dev.backendworkflows.data.Thing::id).toList());
    p.put("offset", index * job.batchSize());
    if (page.cursor() != null) {
      p.put("next_cursor", page.cursor());
    }
    return p;
  }

  private static Duration period(int batchSize, Double rate, Duration interval) {
    Duration period = rate == null ? Duration.ZERO : Duration.ofMillis(Math.round(batchSize * 1000.0 / rate));
    return interval != null && interval.compareTo(period) > 0 ? interval : period;
  }

  private static Map<String, Object> itemParams(Map<String, Object> params, String itemParam, Object item) {
    Map<String, Object> p = new LinkedHashMap<>(params);
    p.put(itemParam, item);
    return p;
  }

  /**
   * Delivers a chunk: claims it (a pending chunk, or one whose attempt died: see {@link ScheduledRuns#claim}),
   * runs its items at the job's pace, and ends it together with arming the next (or ending the job).
   */
  @SuppressWarnings("unchecked")
  Deliveries.Result deliverChunk(String chunkId, Invocation invocation, Deliveries deliveries) {
    ScheduledRun seen = services.schedules().get(chunkId).orElse(null);
    int maxAttempts = seen == null ? WorkflowDefinition.DEFAULT_MAX_ATTEMPTS
        : workflows.get(seen.workflow()).map(WorkflowDefinition::maxAttempts).orElse(WorkflowDefinition.DEFAULT_MAX_ATTEMPTS);
    ScheduledRun chunk;
    switch (states.claim(chunkId, invocation, maxAttempts)) {
      case ScheduledRuns.Claim.Claimed c -> chunk = c.run();
      case ScheduledRuns.Claim.Busy b -> {
        return Deliveries.Result.ignored(chunkId, "running", "chunk " + chunkId + " is being run by another live attempt");
      }
      case ScheduledRuns.Claim.Exhausted x -> { // its attempts kept dying: its unstarted items fail, and the job goes on past it
        services.schedules().getBatch(x.run().chainId()).ifPresent(job -> {
          abandon(x.run(), job);
          next(x.run(), job, services.clock().instant(), List.of());
        });
        return new Deliveries.Result(false, null, ScheduleStatus.FAILED.wire(), x.run().error().message());
      }
      case ScheduledRuns.Claim.Ended e -> {
        return Deliveries.Result.ignored(chunkId, e.run() == null ? "unknown" : e.run().status().wire(),
            "delivery of chunk " + chunkId + " ignored: it is " + (e.run() == null ? "unknown" : e.run().status().wire()));
      }
    }
    String jobId = chunk.chainId();
    BatchJob job = services.schedules().getBatch(jobId).orElse(null);
    if (job == null || job.status() == BatchJob.Status.CANCELLED) {
      states.finish(chunk, ScheduleStatus.CANCELLED, null, null);
      return new Deliveries.Result(false, null, "cancelled", "batch " + jobId + " is cancelled");
    }
    if ((job.status() != BatchJob.Status.RUNNING && job.status() != BatchJob.Status.DONE) || chunk.dueAt().equals(BatchJob.PARKED)) {
      return park(chunk, jobId, job); // paused (or a stray delivery of a chunk not armed)
    }
    List<Object> retryIds = (List<Object>) chunk.params().get("retry_ids");
    List<Object> items = retryIds != null ? retryIds : (List<Object>) chunk.params().get("items");
    int offset = chunk.params().get("offset") instanceof Number n ? n.intValue() : 0;
    Duration spacing = job.spacing();
    Instant now = services.clock().instant();
    // never before the chunk's own due time: a scheduler may fire a little early, and the last chunk's items set it
    Instant nextStart = chunk.dueAt().isAfter(now) ? chunk.dueAt() : now;
    Instant handOverAt = (invocation.deadline() != null ? invocation.deadline() : now.plus(UNTIMED_SPAN)).minus(DEADLINE_MARGIN);
    Instant lastStart = null;
    boolean busy = false;
    for (int i = 0; i < items.size(); i++) {
      if (i > 0 && i % CANCEL_CHECK_EVERY == 0 && services.schedules().chainCancelled(jobId)) {
        states.finish(chunk, ScheduleStatus.CANCELLED, null, null); // items not started stay not done
        return new Deliveries.Result(false, null, "cancelled", "batch " + jobId + " was cancelled during chunk " + chunkId);
      }
      String itemRunId = retryIds != null ? (String) items.get(i) : BatchJob.itemId(jobId, offset + i);
      if (services.schedules().get(itemRunId).filter(r -> doneWith(r, chunk, retryIds != null)).isPresent()) {
        continue; // ended before: by an earlier attempt of this chunk
      }
      if (nextStart.isAfter(handOverAt) || Duration.between(services.clock().instant(), nextStart).compareTo(LONGEST_WAIT) > 0) {
        // the rest would outlast this invocation, or the next item is far off: the chunk is armed again for its next item
        if (states.release(chunk, nextStart)) {
          arrange(chunkId, job, nextStart);
        }
        return new Deliveries.Result(true, null, "continued", "chunk " + chunkId + " continues at item " + i + " at " + nextStart);
      }
      ClockWait.until(services.clock(), nextStart);
      if (!itemToRun(itemRunId, retryIds == null ? items.get(i) : null, job, retryIds != null)) {
        continue;
      }
      lastStart = services.clock().instant();
      Deliveries.Result r = deliveries.deliver(itemRunId, invocation);
      busy |= ScheduleStatus.RUNNING.wire().equals(r.status()) && !r.ran();
      nextStart = lastStart.plus(spacing);
    }
    if (busy) { // an item is still being run by a live attempt elsewhere: the chunk ends only after every item did
      Instant again = services.clock().instant().plus(BUSY_RECHECK);
      if (states.release(chunk, again)) {
        arrange(chunkId, job, again);
      }
      return new Deliveries.Result(true, null, "waiting", "chunk " + chunkId + " waits for an item another attempt runs");
    }
    Instant due = lastStart == null ? nextStart : lastStart.plus(spacing);
    boolean byInterval = job.period().compareTo(spacing.multipliedBy(job.batchSize())) > 0;
    if (byInterval && chunk.claimedAt() != null && chunk.claimedAt().plus(job.period()).isAfter(due)) {
      due = chunk.claimedAt().plus(job.period()); // one chunk per interval; with only a rate, the spacing is the pace
    }
    ScheduledRun ended = chunk.finished(ScheduleStatus.SUCCEEDED, null, null, services.clock().instant(), services.expiry());
    if (!next(chunk, job, due, List.of(new ScheduleWrite.Replace(ended, chunk.version())))) {
      return new Deliveries.Result(false, null, "fenced", "chunk " + chunkId + " was taken over by another attempt");
    }
    return new Deliveries.Result(true, null, ScheduleStatus.SUCCEEDED.wire(), "chunk " + chunkId + " done");
  }

  /** Whether this chunk has nothing left to do with the item: it ended — for a retry, ended other than failed or since the retry began. */
  private static boolean doneWith(ScheduledRun item, ScheduledRun chunk, boolean retry) {
    if (!item.ended()) {
      return false;
    }
    return !retry || item.status() != ScheduleStatus.FAILED || (item.finishedAt() != null && item.finishedAt().isAfter(chunk.createdAt()));
  }

  /**
   * The items of a chunk whose attempts all died that never started: each ends failed
   * ({@code chunk_abandoned}) and counted, so the job's counts add up and {@code /retry} can run them.
   * Items still running are left to end on their own.
   */
  @SuppressWarnings("unchecked")
  private void abandon(ScheduledRun chunk, BatchJob job) {
    List<Object> retryIds = (List<Object>) chunk.params().get("retry_ids");
    List<Object> items = retryIds != null ? retryIds : (List<Object>) chunk.params().get("items");
    int offset = chunk.params().get("offset") instanceof Number n ? n.intValue() : 0;
    dev.backendworkflows.runlog.ErrorInfo why = new dev.backendworkflows.runlog.ErrorInfo("chunk_abandoned", "its chunk "
        + chunk.id() + " was given up after its attempts died before this item started");
    Instant now = services.clock().instant();
    for (int i = 0; items != null && i < items.size(); i++) {
      String itemRunId = retryIds != null ? (String) items.get(i) : BatchJob.itemId(job.id(), offset + i);
      ScheduledRun item = services.schedules().get(itemRunId).orElse(null);
      if (item == null && retryIds == null) {
        ScheduledRun failed = ScheduledRun.pending(itemRunId, job.workflow(), itemParams(job.params(), job.itemParam(), items.get(i)),
            now, "batch:" + job.id(), job.id(), now, 1).as(ScheduledRun.Kind.ITEM).finished(ScheduleStatus.FAILED, null, why, now,
            services.expiry());
        services.schedules().write(List.of(new ScheduleWrite.Create(failed), ScheduleWrite.UpdateBatch.count(job.id(), 0, 1)));
      } else if (item != null && item.status() == ScheduleStatus.PENDING) {
        states.endPending(itemRunId, ScheduleStatus.FAILED, why);
      }
    }
  }

  /** A chunk delivered while its job is paused (or still being created) waits parked; resume arms it again. */
  private Deliveries.Result park(ScheduledRun chunk, String jobId, BatchJob job) {
    states.release(chunk, BatchJob.PARKED);
    BatchJob now = services.schedules().getBatch(jobId).orElse(job);
    if (now.status() == BatchJob.Status.RUNNING) { // resumed while this chunk was being parked: resume saw it running
      armCurrent(now);
    }
    return new Deliveries.Result(false, null, job.status().wire(), "batch " + jobId + " is " + job.status().wire());
  }

  /**
   * Whether item {@code itemRunId} still has to run: a list item is created here (its id is its
   * exactly-once gate); a retried one is moved failed → pending, its failure uncounted in the
   * same transaction; one that ended already is skipped.
   */
  private boolean itemToRun(String itemRunId, Object listItem, BatchJob job, boolean retry) {
    if (!retry) {
      try {
        services.schedules().create(ScheduledRun.pending(itemRunId, job.workflow(), itemParams(job.params(), job.itemParam(),
            listItem), services.clock().instant(), "batch:" + job.id(), job.id(), services.clock().instant(), 1)
            .as(ScheduledRun.Kind.ITEM));
        return true;
      } catch (ScheduleConflictException seenBefore) {
        // a retried or duplicate chunk: the item runs only if it has not ended
      }
      return services.schedules().get(itemRunId).map(r -> !r.ended()).orElse(false);
    }
    ScheduledRun item = services.schedules().get(itemRunId).orElse(null);
    if (item == null) {
      return false;
    }
    if (item.status() == ScheduleStatus.FAILED) {
      if (states.retry(itemRunId, services.clock().instant()).isEmpty()) {
        return services.schedules().get(itemRunId).map(r -> !r.ended()).orElse(false);
      }
      dev.backendworkflows.engine.WorkflowEngine.reopen(services.runs(), itemRunId); // continues from its journal
      return true;
    }
    return !item.ended();
  }

  /**
   * What follows {@code chunk}, written in one transaction with {@code ending} (the chunk's own end,
   * when it has not ended yet): the next chunk armed at {@code due} — parked while the job is paused,
   * for resume to arm — and made the job's current one; or, after the last, the job's end. When the
   * job was cancelled meanwhile the chunk ends alone. A next page that cannot be fetched leaves the
   * chunk to try again (or, when it has ended, the sweep's watchdog): the job never stalls.
   *
   * @return false when the chunk's end was fenced (another attempt holds it)
   */
  private boolean next(ScheduledRun chunk, BatchJob job, Instant due, List<ScheduleWrite> ending) {
    return next(chunk, job, due, ending, 0);
  }

  private boolean next(ScheduledRun chunk, BatchJob job, Instant due, List<ScheduleWrite> ending, int tries) {
    List<ScheduleWrite> writes = new ArrayList<>(ending);
    BatchJob current = services.schedules().getBatch(job.id()).orElse(job);
    if (current.status() == BatchJob.Status.CANCELLED) {
      return services.schedules().write(ending);
    }
    boolean arm = current.status() == BatchJob.Status.RUNNING;
    Instant at = arm ? due : BatchJob.PARKED;
    ScheduleWrite.UpdateBatch jobChange = null;
    String next = null;
    boolean retry = chunk.params().containsKey("retry_ids");
    if (retry ? chunk.params().get("retry_next") != null : job.search() == null && chunk.iteration() < job.chunks()) {
      next = retry ? (String) chunk.params().get("retry_next") : BatchJob.chunkId(job.id(), chunk.iteration()); // chunk k: iteration k + 1
      ScheduledRun parked = services.schedules().get(next).orElse(null);
      if (arm && parked != null && parked.status() == ScheduleStatus.PENDING && parked.dueAt().equals(BatchJob.PARKED)) {
        writes.add(new ScheduleWrite.Replace(parked.pendingAgain(at), parked.version()));
      }
      jobChange = ScheduleWrite.UpdateBatch.current(job.id(), next, due);
    } else if (!retry && job.search() != null && chunk.params().get("next_cursor") != null) {
      ThingPage page;
      try {
        page = fetch(job, (String) chunk.params().get("next_cursor"));
      } catch (RuntimeException e) {
        Instant again = services.clock().instant().plus(FETCH_RECHECK);
        StructuredLog.write("warn", "batch " + job.id() + ": the next page could not be fetched (" + e.getClass().getSimpleName()
            + "); " + (ending.isEmpty() ? "the sweep tries again" : "chunk " + chunk.id() + " tries again at " + again),
            Map.of("batch_id", job.id()));
        if (!ending.isEmpty() && states.release(chunk, again)) {
          arrange(chunk.id(), job, again);
        }
        return true;
      }
      int index = chunk.iteration();
      if (!page.things().isEmpty()) {
        ScheduledRun created = chunk(job, index, pageParams(page, index, job), at, services.clock().instant());
        writes.add(new ScheduleWrite.Create(created));
        next = created.id();
        jobChange = ScheduleWrite.UpdateBatch.extend(job.id(), page.things().size())
            .and(ScheduleWrite.UpdateBatch.current(job.id(), next, due));
      }
    }
    if (jobChange == null) { // the last chunk: the job is done once every item has ended (and so is counted)
      int open = current.total() - current.done() - current.failed();
      if (open > 0) { // an item a given-up chunk left running: the sweep ends it, and the watchdog comes back here
        StructuredLog.write("warn", "batch " + job.id() + ": its last chunk ended with " + open + " item(s) not yet ended; "
            + "the job is done once they are", Map.of("batch_id", job.id()));
        return services.schedules().write(ending);
      }
      jobChange = ScheduleWrite.UpdateBatch.status(job.id(), LIVE, BatchJob.Status.DONE);
    } else { // only while the job is as read: a cancel — or a pause, when this arms the next — meanwhile fails the whole transaction
      jobChange = new ScheduleWrite.UpdateBatch(job.id(), arm ? Set.of(BatchJob.Status.RUNNING) : LIVE, null, 0, 0, jobChange.total(), jobChange.chunks(), jobChange.current(),
          jobChange.nextDue());
    }
    writes.add(jobChange);
    if (!services.schedules().write(writes)) {
      BatchJob now = services.schedules().getBatch(job.id()).orElse(current);
      if (tries < 2 && now.status() != current.status() && LIVE.contains(now.status())) {
        return next(chunk, job, due, ending, tries + 1); // paused or resumed as this was written: decide again
      }
      // the job moved on (cancelled), or another attempt wrote this already: the chunk ends on its own
      return services.schedules().write(ending);
    }
    if (next != null && arm) {
      arrange(next, job, due);
    } else if (next != null && services.schedules().getBatch(job.id()).filter(j -> j.status() == BatchJob.Status.RUNNING).isPresent()) {
      armCurrent(services.schedules().getBatch(job.id()).orElseThrow()); // resumed while this chunk ended: resume saw it running
    }
    return true;
  }

  /**
   * Hands a chunk to its delivery: a due time within {@link #LONGEST_WAIT} is dispatched now (the
   * chunk waits for its due time itself, so a scheduler's coarse or late firing costs no rate), a
   * later one through the scheduler.
   */
  private void arrange(String chunkId, BatchJob job, Instant due) {
    Instant now = services.clock().instant();
    new Scheduling(services, workflows).arrange(chunkId, job.workflow(), due.isAfter(now.plus(LONGEST_WAIT)) ? due : now);
  }

  /** Arms the job's current chunk when it is parked: due when its items may start, {@code max(now, next due)}. */
  private void armCurrent(BatchJob job) {
    if (job.current() == null) {
      return;
    }
    ScheduledRun chunk = services.schedules().get(job.current()).orElse(null);
    if (chunk == null || chunk.status() != ScheduleStatus.PENDING || !chunk.dueAt().equals(BatchJob.PARKED)) {
      return; // armed already, running, or ended (the watchdog takes that one on)
    }
    Instant now = services.clock().instant();
    Instant due = job.nextDue() != null && job.nextDue().isAfter(now) ? job.nextDue() : now;
    if (services.schedules().replace(chunk.pendingAgain(due), chunk.version())) {
      arrange(chunk.id(), job, due);
    }
  }

  /**
   * The sweep's watchdog over running jobs: a job whose current chunk is parked is armed; one whose
   * current chunk ended without arming the next (its attempts were given up, or its end and the
   * next were cut apart) goes on — so no running job is left without a live chunk.
   *
   * @return how many jobs it repaired
   */
  public int watch() {
    int repaired = 0;
    for (BatchJob job : services.schedules().batches(BatchJob.Status.RUNNING, WATCHED)) {
      ScheduledRun chunk = job.current() == null ? null : services.schedules().get(job.current()).orElse(null);
      if (chunk == null) {
        continue;
      }
      if (chunk.status() == ScheduleStatus.PENDING && chunk.dueAt().equals(BatchJob.PARKED)) {
        armCurrent(job);
        repaired++;
      } else if (chunk.ended()) {
        if (chunk.status() == ScheduleStatus.FAILED) { // given up, perhaps cut off before its items were: fail them now (idempotent)
          abandon(chunk, job);
        }
        Instant now = services.clock().instant();
        next(chunk, job, job.nextDue() != null && job.nextDue().isAfter(now) ? job.nextDue() : now, List.of());
        repaired++;
      }
    }
    return repaired;
  }

  /** @throws ActionException {@code batch_not_found} */
  public BatchJob get(String id) {
    return services.schedules().getBatch(id).orElseThrow(() -> new ActionException("batch_not_found", "no batch job with id '" + id + "'"));
  }

  /**
   * Pauses a running job: its current chunk, if armed, is parked and its schedule removed, so a
   * paused job holds no schedule; a chunk running now ends its items and parks the next.
   *
   * @throws ActionException {@code batch_not_found}, {@code batch_not_running}
   */
  public BatchJob pause(String id) {
    get(id);
    if (!services.schedules().write(List.of(ScheduleWrite.UpdateBatch.status(id, Set.of(BatchJob.Status.RUNNING),
        BatchJob.Status.PAUSED)))) {
      throw new ActionException("batch_not_running", "batch " + id + " is " + get(id).status().wire() + ", not running");
    }
    BatchJob job = get(id);
    ScheduledRun chunk = job.current() == null ? null : services.schedules().get(job.current()).orElse(null);
    if (chunk != null && chunk.status() == ScheduleStatus.PENDING && !chunk.dueAt().equals(BatchJob.PARKED)
        && services.schedules().replace(chunk.pendingAgain(BatchJob.PARKED), chunk.version())) {
      services.scheduler().cancel(chunk.id());
    }
    return job;
  }

  /**
   * Resumes a paused job at its rate: its current chunk is armed for {@code max(now, next due)} (a
   * chunk still running carries on by itself, and arms the next when it ends).
   *
   * @throws ActionException {@code batch_not_found}, {@code batch_not_paused}
   */
  public BatchJob resume(String id) {
    get(id);
    if (!services.schedules().write(List.of(ScheduleWrite.UpdateBatch.status(id, Set.of(BatchJob.Status.PAUSED),
        BatchJob.Status.RUNNING)))) {
      throw new ActionException("batch_not_paused", "batch " + id + " is " + get(id).status().wire() + ", not paused");
    }
    armCurrent(get(id));
    return get(id);
  }

  /**
   * Cancels a job: no further chunk or item starts; what ran stays counted, nothing else is.
   *
   * @throws ActionException {@code batch_not_found}, {@code batch_ended} (done or cancelled already)
   */
  public BatchJob cancel(String id) {
    get(id);
    if (!services.schedules().write(List.of(ScheduleWrite.UpdateBatch.status(id, Set.of(BatchJob.Status.CREATING,
        BatchJob.Status.RUNNING, BatchJob.Status.PAUSED), BatchJob.Status.CANCELLED)))) {
      throw new ActionException("batch_ended", "batch " + id + " is " + get(id).status().wire() + "; only a running or paused job can be cancelled");
    }
    // the chunk running sees the mark within a few items; only the current chunk can be armed, and a
    // retry's parked successors are followed by their links: what this reads grows with chunks, not items
    services.schedules().cancelChain(id);
    String chunkId = get(id).current();
    for (int hops = 0; chunkId != null && hops <= MAX_RETRY_CHUNKS; hops++) {
      ScheduledRun chunk = services.schedules().get(chunkId).orElse(null);
      if (chunk == null) {
        break;
      }
      if (chunk.status() == ScheduleStatus.PENDING && states.cancel(chunkId).filter(r -> r.status() == ScheduleStatus.CANCELLED).isPresent()
          && !chunk.dueAt().equals(BatchJob.PARKED)) {
        services.scheduler().cancel(chunkId);
      }
      chunkId = (String) chunk.params().get("retry_next");
    }
    return get(id);
  }

  /** Items that failed, with their errors, every page of them. */
  public List<ScheduledRun> failures(String id) {
    List<ScheduledRun> all = new ArrayList<>();
    String cursor = null;
    do {
      SchedulePage page = services.schedules().failedItems(id, 100, cursor);
      all.addAll(page.runs());
      cursor = page.cursor();
    } while (cursor != null);
    return all;
  }

  /**
   * Where a job stands, read at a cost that does not grow with it: the job record and one page of
   * its failures. For a search job still running, {@code total} is only what has been found so far:
   * {@code totalFinal} is false and the ETA is a lower bound.
   */
  public record Progress(BatchJob job, int remaining, boolean totalFinal, Instant eta, List<ScheduledRun> failures,
      boolean moreFailures) {}

  /** @throws ActionException {@code batch_not_found} */
  public Progress progress(String id, int failuresLimit) {
    return progress(get(id), failuresLimit);
  }

  /** The progress of {@code job} as read already (a listing), without reading it again. */
  public Progress progress(BatchJob job, int failuresLimit) {
    String id = job.id();
    int remaining = Math.max(0, job.total() - job.done() - job.failed());
    boolean totalFinal = job.search() == null || job.status() == BatchJob.Status.DONE;
    Instant eta = job.rate() != null && job.status() == BatchJob.Status.RUNNING
        ? services.clock().instant().plusMillis(Math.round(remaining * 1000 / job.rate())) : null;
    SchedulePage failures = job.failed() > 0 ? services.schedules().failedItems(id, failuresLimit, null) : new SchedulePage(List.of(), null);
    return new Progress(job, remaining, totalFinal, eta, failures.runs(), failures.cursor() != null);
  }

  /**
   * Runs a done job's failed items again, in chunks of its batch size at its rate: the job is
   * running until they ended. Each item continues from its journal.
   *
   * @return how many items it retries
   * @throws ActionException {@code batch_not_found}, {@code batch_not_done} while the job still runs
   */
  public int retryFailed(String id) {
    BatchJob job = get(id);
    if (job.status() != BatchJob.Status.DONE) {
      throw notDone(job);
    }
    List<String> ids = failures(id).stream().map(ScheduledRun::id).toList();
    if (ids.isEmpty()) {
      return 0;
    }
    Instant now = services.clock().instant();
    String prefix = "batch-" + id + "-retry-" + Ids.newId(now) + "-"; // then 000, 001…: in order as text too
    int chunks = (ids.size() + job.batchSize() - 1) / job.batchSize();
    // all parked, each naming its successor; then, in one transaction, the job runs again and the first is armed
    ScheduledRun first = null;
    for (int k = chunks - 1; k >= 0; k--) {
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("retry_ids", new ArrayList<>(ids.subList(k * job.batchSize(), Math.min(ids.size(), (k + 1) * job.batchSize()))));
      if (k + 1 < chunks) {
        params.put("retry_next", prefix + String.format("%03d", k + 1));
      }
      first = ScheduledRun.pending(prefix + String.format("%03d", k), job.workflow(), params, BatchJob.PARKED, "batch:" + id, id, now,
          1)
          .as(ScheduledRun.Kind.CHUNK);
      services.schedules().create(first);
    }
    if (!services.schedules().write(List.of(ScheduleWrite.UpdateBatch.status(id, Set.of(BatchJob.Status.DONE), BatchJob.Status.RUNNING)
        .and(ScheduleWrite.UpdateBatch.current(id, first.id(), now)), new ScheduleWrite.Replace(first.pendingAgain(now), first.version())))) {
      for (int k = 0; k < chunks; k++) {
        states.endPending(prefix + String.format("%03d", k), ScheduleStatus.CANCELLED, null);
      }
      throw notDone(get(id));
    }
    arrange(first.id(), job, now);
    return ids.size();
  }

  private static ActionException notDone(BatchJob job) {
    return new ActionException("batch_not_done", "batch " + job.id() + " is " + job.status().wire()
        + "; retry its failed items once it is done");
  }
}
