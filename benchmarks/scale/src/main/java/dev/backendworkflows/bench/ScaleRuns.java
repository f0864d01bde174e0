package dev.backendworkflows.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.Indexes;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.data.ThingWrite;
import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.internal.Ids;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.local.LocalRunner;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * Scale runs of the local runner, over real HTTP on its embedded stores (BENCHMARKS.md): the
 * scheduler firing many due runs beside the same runs called through the API; search latency at
 * growing numbers of things, by an indexed field and by one without an index, beside a 1-step run;
 * a batch job over every thing, with the heap in use sampled after full collections. Each figure is
 * printed as one {@code SCALE {json}} line; the runner's own log lines go to standard output too.
 *
 * <pre>java -cp … dev.backendworkflows.bench.ScaleRuns [due=10000] [search=1000,10000,100000] [batch=100000] [samples=100]</pre>
 */
public final class ScaleRuns {
  static final Path WORKFLOWS = Path.of("benchmarks", "scale", "workflows");
  private static final int CONCURRENCY = 8;
  private static final PrintStream OUT = System.out;
  private final HttpClient http = HttpClient.newHttpClient();
  private final Path workflows;

  ScaleRuns(Path workflows) {
    this.workflows = workflows;
  }

  /** The system clock moved on by hand: scheduled runs fall due when the benchmark says. */
  static final class AdjustableClock extends Clock {
    private volatile Duration ahead = Duration.ZERO;

    void advance(Duration by) {
      ahead = ahead.plus(by);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Instant instant() {
      return Instant.now().plus(ahead);
    }
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = new LinkedHashMap<>(Map.of("due", "10000", "search", "1000,10000,100000", "batch", "100000",
        "samples", "100", "workflows", WORKFLOWS.toString()));
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0 || !opts.containsKey(a.substring(0, eq))) {
        throw new IllegalArgumentException("unknown argument '" + a + "'; expected one of " + opts.keySet() + " as name=value");
      }
      opts.put(a.substring(0, eq), a.substring(eq + 1));
    }
    ScaleRuns bench = new ScaleRuns(Path.of(opts.get("workflows")));
    int[] sizes = Arrays.stream(opts.get("search").split(",")).mapToInt(Integer::parseInt).toArray();
    bench.searchThenBatch(sizes, Integer.parseInt(opts.get("samples")), Integer.parseInt(opts.get("batch")));
    bench.dueRuns(Integer.parseInt(opts.get("due")));
    System.exit(0); // the runner's worker threads are not daemons
  }

  LocalRunner start(Clock clock) throws Exception {
    return new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows", workflows.toString()), clock);
  }

  JsonNode call(LocalRunner runner, String method, String path, Object body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(runner.url() + path))
        .header("Authorization", "Bearer " + runner.apiKey());
    if (body != null) {
      b.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(Json.write(body)));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(method + " " + path + " answered " + r.statusCode() + ": " + r.body());
      }
      return Json.tree(r.body());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static void print(String figure, Map<String, Object> values) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("figure", figure);
    line.putAll(values);
    OUT.println("SCALE " + Json.write(line));
  }

  /** Runs {@code task(0..n-1)} on {@code CONCURRENCY} threads; returns the wall time in seconds. */
  static double parallel(int n, IntConsumer task) throws Exception {
    long start = System.nanoTime();
    try (ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY)) {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int item = i;
        all.add(pool.submit(() -> task.accept(item)));
      }
      for (Future<?> f : all) {
        f.get();
      }
    }
    return (System.nanoTime() - start) / 1e9;
  }

  static long count(ThingStore things, String type) {
    return things.count(type, List.of()).count();
  }

  /** Heap in use after a full collection, in MB: the live set. */
  static long liveHeapMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
  }

  /** {@code n} runs fall due at once on the local scheduler, beside the same {@code n} runs called through the API. */
  Map<String, Object> dueRuns(int n) throws Exception {
    AdjustableClock clock = new AdjustableClock();
    try (LocalRunner runner = start(clock)) {
      ThingStore things = runner.stack().services().things();
      double api = parallel(n, i -> call(runner, "POST", "/wf/remind-now", Map.of("text", "api-" + i)));
      parallel(n, i -> call(runner, "POST", "/wf/plan", Map.of("text", "due-" + i)));
      if (count(things, "reminder") != n) {
        throw new IllegalStateException("a scheduled run fired early");
      }
      clock.advance(Duration.ofHours(1).plusSeconds(1));
      long start = System.nanoTime();
      long deadline = start + Duration.ofMinutes(15).toNanos();
      while (count(things, "reminder") < 2L * n) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("only " + (count(things, "reminder") - n) + " of " + n + " due runs ran in 15 minutes");
        }
        Thread.sleep(20);
      }
      double fired = (System.nanoTime() - start) / 1e9;
      Thread.sleep(1000);
      long made = count(things, "reminder") - n;
      if (made != n) {
        throw new IllegalStateException(n + " due runs made " + made + " reminders");
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("runs", n);
      out.put("scheduler_seconds", round(fired));
      out.put("scheduler_runs_per_s", Math.round(n / fired));
      out.put("api_seconds", round(api));
      out.put("api_runs_per_s_at_concurrency_" + CONCURRENCY, Math.round(n / api));
      print("due_runs", out);
      return out;
    }
  }

  /** Search latency at each size (indexed field, field without index, a 1-step run), then a batch job over {@code batch} things. */
  List<Map<String, Object>> searchThenBatch(int[] sizes, int samples, int batch) throws Exception {
    List<Map<String, Object>> figures = new ArrayList<>();
    try (LocalRunner runner = start(Clock.systemUTC())) {
      ThingStore things = runner.stack().services().things();
      Collection<DataType> types = new DefinitionLoader().load(workflows).types().values();
      int made = 0;
      for (int size : sizes) {
        made = fill(things, types, made, size);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("things", size);
        out.put("one_step_run", latency(samples, i -> call(runner, "POST", "/wf/ping", Map.of())));
        int n = size;
        out.put("indexed_field", latency(samples, i -> found(call(runner, "POST", "/wf/find-keyed",
            Map.of("key", "k" + ThreadLocalRandom.current().nextInt(n))))));
        out.put("field_without_index", latency(samples, i -> found(call(runner, "POST", "/wf/find-scan",
            Map.of("tag", "t" + ThreadLocalRandom.current().nextInt(n))))));
        print("search", out);
        figures.add(out);
      }
      if (batch > 0) {
        fill(things, types, made, batch);
        figures.add(batch(runner, batch));
      }
    }
    return figures;
  }

  private static void found(JsonNode answer) {
    if (answer.path("response").path("count").asInt() != 1) {
      throw new IllegalStateException("the search found " + answer.path("response") + ", not one item");
    }
  }

  /**
   * Items {@code from..to-1}, each listed under its key as {@code create_thing} lists it; the first
   * fill builds the index as the sweep builds it and marks it ready.
   */
  static int fill(ThingStore things, Collection<DataType> types, int from, int to) {
    for (int i = from; i < to; i++) {
      Instant now = Instant.now();
      Thing item = new Thing("item", Ids.newId(now), Map.of("key", "k" + i, "tag", "t" + i), now, now, 1);
      if (things.write(List.of(new ThingWrite.Put(item), new ThingWrite.AddToIndex(Indexes.key("item", "key", "k" + i),
          item.id()))) != -1) {
        throw new IllegalStateException("item " + i + " was not stored");
      }
    }
    for (int round = 0; round < 1000; round++) {
      Indexes.Build b = Indexes.build(things, types, Instant.now(), Duration.ZERO, 1_000_000);
      if (b.listed() == 0 && b.readied().isEmpty()) {
        return Math.max(from, to);
      }
    }
    throw new IllegalStateException("the index of " + to + " items was not built");
  }

  /** p50 and p99 in ms of {@code samples} calls one after another, after as many to warm up. */
  static Map<String, Object> latency(int samples, IntConsumer call) {
    for (int i = 0; i < samples; i++) {
      call.accept(i);
    }
    double[] ms = new double[samples];
    for (int i = 0; i < samples; i++) {
      long t = System.nanoTime();
      call.accept(i);
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    Arrays.sort(ms);
    return Map.of("p50_ms", round(ms[samples / 2]), "p99_ms", round(ms[Math.min(samples - 1, (int) Math.ceil(samples * 0.99) - 1)]));
  }

  /** A batch job over {@code n} things: its time and the live heap before, at its peak and after. */
  Map<String, Object> batch(LocalRunner runner, int n) throws Exception {
    long before = liveHeapMb();
    String id = call(runner, "POST", "/wf/each-item", Map.of()).path("response").path("batch_id").asText();
    long start = System.nanoTime();
    long peak = before;
    long deadline = start + Duration.ofMinutes(30).toNanos();
    JsonNode job;
    while (!(job = call(runner, "GET", "/batches/" + id, null)).path("status").asText().equals("done")) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the batch job is not done after 30 minutes: " + job);
      }
      peak = Math.max(peak, liveHeapMb());
      Thread.sleep(2000);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    if (job.path("done").asLong() != n || job.path("failed").asLong() != 0) {
      throw new IllegalStateException("the batch job over " + n + " items ended " + job);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("items", n);
    out.put("seconds", round(seconds));
    out.put("items_per_s", Math.round(n / seconds));
    out.put("live_heap_mb_before", before);
    out.put("live_heap_mb_peak", peak);
    out.put("live_heap_mb_after", liveHeapMb());
    print("batch", out);
    return out;
  }

  private static double round(double v) {
    return Math.round(v * 100) / 100.0;
  }
}
