package dev.backendworkflows.schedule;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.ThingPage;
import dev.backendworkflows.data.ThingQuery;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.InvalidInputException;
import dev.backendworkflows.exceptions.ScheduleConflictException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.StructuredLog;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * "Schedule API workflow on a list" as a durable, throttled batch job. The job and its chunks are
 * written first; chunk 0 is dispatched, and each chunk, once its items ran, arranges the next at
 * {@code start + k × period}: scheduler calls grow with items / batch size, and the rate holds. Each
 * item runs as a scheduled run with a deterministic id, so a chunk delivered twice or retried runs
 * every item exactly once.
 */
public final class Batches {
  private static final int CANCEL_CHECK_EVERY = 50;
  private static final Duration PAUSED_RECHECK = Duration.ofDays(1);
  private final Services services;
  private final Workflows workflows;

  public Batches(Services services, Workflows workflows) {
    this.services = services;
    this.workflows = workflows;
  }

  /**
   * @throws ActionException {@code unknown_workflow}, {@code not_schedulable}, {@code invalid_argument},
   *     {@code invalid_parameters} (naming the first bad item) — before anything is written
   */
  public BatchJob start(String jobId, String workflow, List<?> items, String itemParam, Map<String, Object> params, int batchSize,
      Double rate, Duration interval, String createdBy) {
    WorkflowDefinition target = Scheduling.schedulable(workflows, workflow);
    if (batchSize < 1 || batchSize > 1000) {
      throw new ActionException("invalid_argument", "batch_size must be from 1 to 1000, got " + batchSize);
    }
    for (int i = 0; i < items.size(); i++) {
      try {
        Scheduling.checkSize(workflow, ParameterBinder.bind(target, itemParams(params, itemParam, items.get(i))));
      } catch (InvalidInputException e) {
        throw new ActionException("invalid_parameters", "item " + i + " of the list does not fit '" + workflow + "': " + e.getMessage());
      }
    }
    Duration period = Duration.ZERO;
    if (rate != null) {
      period = Duration.ofMillis(Math.round(batchSize * 1000.0 / rate));
    }
    if (interval != null && interval.compareTo(period) > 0) {
      period = interval;
    }
    Instant now = services.clock().instant();
    int chunks = (items.size() + batchSize - 1) / batchSize;
    BatchJob job = new BatchJob(jobId, workflow, itemParam, params, items.size(), batchSize, chunks, period,
        chunks == 0 ? BatchJob.Status.DONE : BatchJob.Status.RUNNING, 0, 0, now, createdBy, null);
    job = createOrFind(job);
    // a replay after a crash finds the job and creates only the chunks still missing
    for (int k = 0; k < job.chunks(); k++) {
      List<?> slice = items.subList(k * batchSize, Math.min(items.size(), (k + 1) * batchSize));
      createChunk(ScheduledRun.pending(BatchJob.chunkId(job.id(), k), workflow,
          Map.of("items", new ArrayList<>(slice), "offset", k * batchSize), job.createdAt().plus(period.multipliedBy(k)),
          "batch:" + job.id(), job.id(), now, k + 1).as(ScheduledRun.Kind.CHUNK));
    }
    if (job.chunks() > 0) {
      new Scheduling(services, workflows).arrange(BatchJob.chunkId(job.id(), 0), workflow, now);
    }
    return job;
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
    try {
      ParameterBinder.bind(target, itemParams(params, itemParam, "sample-id"));
    } catch (InvalidInputException e) {
      throw new ActionException("invalid_parameters", "a thing id as '" + itemParam + "' does not fit '" + workflow + "': " + e.getMessage());
    }
    Duration period = period(batchSize, rate, interval);
    Instant now = services.clock().instant();
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("type", search.type());
    source.put("constraints", search.constraints().stream().map(Constraint::toPlain).toList());
    BatchJob job = createOrFind(new BatchJob(jobId, workflow, itemParam, params, 0, batchSize, 0, period, BatchJob.Status.RUNNING,
        0, 0, now, createdBy, source));
    if (!addSearchChunk(job, 0, null)) {
      services.schedules().setBatchStatus(job.id(), BatchJob.Status.DONE);
      return services.schedules().getBatch(job.id()).orElseThrow();
    }
    new Scheduling(services, workflows).arrange(BatchJob.chunkId(job.id(), 0), workflow, now);
    return services.schedules().getBatch(job.id()).orElseThrow();
  }

  /** Fetches the page after {@code cursor} into chunk {@code index}; false when the search has no more. */
  @SuppressWarnings("unchecked")
  private boolean addSearchChunk(BatchJob job, int index, String cursor) {
    Map<String, Object> s = job.search();
    List<Constraint> constraints = Constraint.fromPlain(s.get("constraints"));
    ThingPage page = services.things().search(new ThingQuery((String) s.get("type"), constraints, null, false, job.batchSize(), cursor));
    if (page.things().isEmpty()) {
      return false;
    }
    Instant now = services.clock().instant();
    Map<String, Object> chunkParams = new LinkedHashMap<>();
    chunkParams.put("items", page.things().stream().map(dev.backendworkflows.data.Thing::id).toList());
    chunkParams.put("offset", index * job.batchSize());
    chunkParams.put("next_cursor", page.cursor());
    try {
      services.schedules().create(ScheduledRun.pending(BatchJob.chunkId(job.id(), index), job.workflow(), chunkParams,
          job.createdAt().plus(job.period().multipliedBy(index)), "batch:" + job.id(), job.id(), now, index + 1)
          .as(ScheduledRun.Kind.CHUNK));
      services.schedules().extendBatch(job.id(), page.things().size());
    } catch (ScheduleConflictException alreadyFetched) {
      // a duplicate or retried chunk fetched this page before
    }
    return true;
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
   * runs its items, records progress, and arranges the next chunk. Items are scheduled runs of
   * their own, each started once whatever happens to the chunk.
   */
  @SuppressWarnings("unchecked")
  Deliveries.Result deliverChunk(String chunkId, Invocation invocation, Deliveries deliveries) {
    ScheduledRun seen = services.schedules().get(chunkId).orElse(null);
    int maxAttempts = seen == null ? WorkflowDefinition.DEFAULT_MAX_ATTEMPTS
        : workflows.get(seen.workflow()).map(WorkflowDefinition::maxAttempts).orElse(WorkflowDefinition.DEFAULT_MAX_ATTEMPTS);
    ScheduledRuns states = new ScheduledRuns(services);
    ScheduledRun chunk;
    switch (states.claim(chunkId, invocation, maxAttempts)) {
      case ScheduledRuns.Claim.Claimed c -> chunk = c.run();
      case ScheduledRuns.Claim.Busy b -> {
        return Deliveries.Result.ignored(chunkId, "running", "chunk " + chunkId + " is being run by another live attempt");
      }
      case ScheduledRuns.Claim.Exhausted x -> {
        return new Deliveries.Result(false, null, ScheduleStatus.FAILED.wire(), x.run().error().message());
      }
      case ScheduledRuns.Claim.Ended e -> {
        return Deliveries.Result.ignored(chunkId, e.run() == null ? "unknown" : e.run().status().wire(),
            "delivery of chunk " + chunkId + " ignored: it is " + (e.run() == null ? "unknown" : e.run().status().wire()));
      }
    }
    String jobId = chunk.chainId();
    BatchJob job = services.schedules().getBatch(jobId).orElse(null);
    Instant now = services.clock().instant();
    if (job == null || job.status() == BatchJob.Status.CANCELLED) {
      states.finish(chunk, ScheduleStatus.CANCELLED, null, null);
      return new Deliveries.Result(false, null, "cancelled", "batch " + jobId + " is cancelled");
    }
    if (job.status() == BatchJob.Status.PAUSED) {
      // given back, not due: resume makes it due and delivers it; meanwhile the sweeper looks once a day
      states.release(chunk, now.plus(PAUSED_RECHECK));
      if (services.schedules().getBatch(jobId).filter(j -> j.status() == BatchJob.Status.RUNNING).isPresent()
          && states.dueNow(chunkId)) { // resumed while this chunk was being given back: resume could not see it pending
        arrange(chunkId, job, now);
      }
      return new Deliveries.Result(false, null, "paused", "batch " + jobId + " is paused");
    }
    int done = 0;
    int failed = 0;
    List<Object> retryIds = (List<Object>) chunk.params().get("retry_ids");
    List<Object> items = retryIds != null ? retryIds : (List<Object>) chunk.params().get("items");
    int offset = chunk.params().get("offset") instanceof Number n ? n.intValue() : 0;
    for (int i = 0; i < items.size(); i++) {
      if (i > 0 && i % CANCEL_CHECK_EVERY == 0 && services.schedules().chainCancelled(jobId)) {
        break; // cancelled mid-chunk: items not started stay not done
      }
      String itemRunId = retryIds != null ? (String) items.get(i) : BatchJob.itemId(jobId, offset + i);
      if (retryIds == null) {
        try {
          services.schedules().create(ScheduledRun.pending(itemRunId, job.workflow(), itemParams(job.params(), job.itemParam(),
              items.get(i)), now, "batch:" + jobId, jobId, now, 1).as(ScheduledRun.Kind.ITEM));
        } catch (ScheduleConflictException seenBefore) {
          // a retried or duplicate chunk: the item's own start runs it only if it never started
        }
      }
      Deliveries.Result r = deliveries.deliver(itemRunId, invocation);
      if (r.ran()) {
        if (ScheduleStatus.FAILED.wire().equals(r.status())) {
          failed++;
        } else {
          done++;
        }
      }
    }
    // the chunk's end is fenced by its claim, and the counters follow it: a zombie attempt adds nothing
    if (!states.finish(chunk, ScheduleStatus.SUCCEEDED, null, null)) {
      return new Deliveries.Result(false, null, "fenced", "chunk " + chunkId + " was taken over by another attempt");
    }
    try {
      services.schedules().addBatchProgress(jobId, done, failed);
    } catch (RuntimeException e) { // a lost count must not stop the job
      StructuredLog.write("error", "could not add chunk " + chunkId + "'s counts (" + done + " done, " + failed + " failed): " + e,
          Map.of("batch_id", jobId));
    }
    arrangeNext(job, chunk);
    return new Deliveries.Result(true, null, ScheduleStatus.SUCCEEDED.wire(), done + " items done, " + failed + " failed");
  }

  private void arrangeNext(BatchJob job, ScheduledRun chunk) {
    if (chunk.params().containsKey("retry_ids")) {
      return;
    }
    int next = chunk.iteration(); // chunk k has iteration k + 1
    boolean more = job.search() == null ? next < job.chunks()
        : chunk.params().get("next_cursor") != null && addSearchChunk(job, next, (String) chunk.params().get("next_cursor"));
    if (!more) {
      services.schedules().getBatch(job.id()).filter(j -> j.status() == BatchJob.Status.RUNNING)
          .ifPresent(j -> services.schedules().setBatchStatus(job.id(), BatchJob.Status.DONE));
      return;
    }
    BatchJob now = services.schedules().getBatch(job.id()).orElse(job);
    if (now.status() != BatchJob.Status.RUNNING) {
      return; // paused or cancelled: resume arranges the next chunk
    }
    arrange(BatchJob.chunkId(job.id(), next), job, job.createdAt().plus(job.period().multipliedBy(next)));
  }

  private void arrange(String chunkId, BatchJob job, Instant due) {
    new Scheduling(services, workflows).arrange(chunkId, job.workflow(), due);
  }

  /** @throws ActionException {@code batch_not_found} */
  public BatchJob get(String id) {
    return services.schedules().getBatch(id).orElseThrow(() -> new ActionException("batch_not_found", "no batch job with id '" + id + "'"));
  }

  public BatchJob pause(String id) {
    get(id);
    return services.schedules().setBatchStatus(id, BatchJob.Status.PAUSED).orElseThrow();
  }

  /** Resumes a paused job: its first pending chunk is delivered again, now. */
  public BatchJob resume(String id) {
    BatchJob job = get(id);
    if (job.status() != BatchJob.Status.PAUSED) {
      throw new ActionException("batch_not_paused", "batch " + id + " is " + job.status().wire() + ", not paused");
    }
    BatchJob resumed = services.schedules().setBatchStatus(id, BatchJob.Status.RUNNING).orElseThrow();
    // the lowest chunk not yet run: the one a paused delivery gave back (parked with a later due time),
    // or one still running — its attempt sees the job running again and carries on
    services.schedules().chain(id).stream().filter(r -> r.kind() == ScheduledRun.Kind.CHUNK
            && (r.status() == ScheduleStatus.PENDING || r.status() == ScheduleStatus.RUNNING))
        .min(java.util.Comparator.comparingInt(ScheduledRun::iteration))
        .filter(r -> r.status() == ScheduleStatus.PENDING && new ScheduledRuns(services).dueNow(r.id()))
        .ifPresent(r -> arrange(r.id(), job, services.clock().instant()));
    return resumed;
  }

  /** Cancels a job: no further chunk or item starts; what ran stays counted, nothing else is. */
  public BatchJob cancel(String id) {
    get(id);
    BatchJob cancelled = services.schedules().setBatchStatus(id, BatchJob.Status.CANCELLED).orElseThrow();
    new Scheduling(services, workflows).cancelChain(id);
    return cancelled;
  }

  /** Items that failed, with their errors. */
  public List<ScheduledRun> failures(String id) {
    return services.schedules().chain(id).stream()
        .filter(r -> r.kind() == ScheduledRun.Kind.ITEM && r.status() == ScheduleStatus.FAILED).toList();
  }

  /** Runs the failed items again, in a chunk of their own; @return how many */
  public int retryFailed(String id) {
    BatchJob job = get(id);
    List<Object> ids = new ArrayList<>();
    ScheduledRuns states = new ScheduledRuns(services);
    for (ScheduledRun r : failures(id)) {
      if (states.retry(r.id(), services.clock().instant()).isPresent()) {
        dev.backendworkflows.engine.WorkflowEngine.reopen(services.runs(), r.id()); // continues from its journal
        ids.add(r.id());
      }
    }
    if (ids.isEmpty()) {
      return 0;
    }
    services.schedules().addBatchProgress(id, 0, -ids.size());
    Instant now = services.clock().instant();
    String chunkId = "batch-" + id + "-chunk-retry-" + Ids.newId(now);
    services.schedules().create(ScheduledRun.pending(chunkId, job.workflow(), Map.of("retry_ids", ids), now, "batch:" + id, id, now, 1)
        .as(ScheduledRun.Kind.CHUNK));
    arrange(chunkId, job, now);
    return ids.size();
  }
}
