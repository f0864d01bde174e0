package dev.backendworkflows.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop load: {@code concurrency} callers, each sending its next request when the last one
 * is answered, for {@code seconds}. Prints one line of JSON: requests a second, p50 and p99 latency
 * in ms, and how many answers had an unexpected status. Usage:
 * {@code HttpLoad <GET|POST> <url> <expected status> <concurrency> <seconds> [bearer key] [body]}.
 */
public final class HttpLoad {
  private HttpLoad() {}

  public static void main(String[] args) throws Exception {
    String method = args[0];
    URI url = URI.create(args[1]);
    int expected = Integer.parseInt(args[2]);
    int concurrency = Integer.parseInt(args[3]);
    Duration span = Duration.ofSeconds(Long.parseLong(args[4]));
    String key = args.length > 5 ? args[5] : null;
    String body = args.length > 6 ? args[6] : "";
    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder template = HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
        .method(method, method.equals("GET") ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (key != null && !key.isEmpty()) {
      template.header("authorization", "Bearer " + key);
    }
    HttpRequest request = template.build();
    AtomicLong unexpected = new AtomicLong();
    long end = System.nanoTime() + span.toNanos();
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    List<Future<List<Long>>> callers = new ArrayList<>();
    for (int i = 0; i < concurrency; i++) {
      callers.add(pool.submit(() -> {
        List<Long> latencies = new ArrayList<>();
        while (System.nanoTime() < end) {
          long t0 = System.nanoTime();
          HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
          latencies.add(System.nanoTime() - t0);
          if (response.statusCode() != expected) {
            unexpected.incrementAndGet();
          }
        }
        return latencies;
      }));
    }
    List<Long> all = new ArrayList<>();
    for (Future<List<Long>> caller : callers) {
      all.addAll(caller.get());
    }
    pool.shutdown();
    Collections.sort(all);
    double seconds = span.toNanos() / 1e9;
    System.out.printf(java.util.Locale.ROOT, "{\"requests_per_s\":%.0f,\"p50_ms\":%.2f,\"p99_ms\":%.2f,\"requests\":%d,\"unexpected\":%d}%n",
        all.size() / seconds, percentile(all, 50), percentile(all, 99), all.size(), unexpected.get());
  }

  private static double percentile(List<Long> sorted, int p) {
    if (sorted.isEmpty()) {
      return 0;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1e6;
  }
}
