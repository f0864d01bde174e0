package dev.backendworkflows.local;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An API on localhost whose calls hang until {@link #release()} (so a runner can be killed in the
 * middle of one), then answer {@code 200 {}}; it records the Idempotency-Key of every call.
 */
final class HangingServer implements AutoCloseable {
  private final HttpServer server;
  private final List<String> keys = new CopyOnWriteArrayList<>();
  private final CountDownLatch reached;
  private final CountDownLatch released = new CountDownLatch(1);

  /** A server at {@code path} whose first {@code calls} calls count as reached. */
  HangingServer(String path, int calls) {
    reached = new CountDownLatch(calls);
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    server.createContext(path, ex -> {
      keys.add(ex.getRequestHeaders().getFirst("Idempotency-Key"));
      reached.countDown();
      try {
        released.await(60, TimeUnit.SECONDS); // the first tries hang here until the runner is killed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] out = "{}".getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      try {
        ex.sendResponseHeaders(200, out.length);
        ex.getResponseBody().write(out);
      } catch (IOException callerGone) {
        // the runner that asked was killed
      }
      ex.close();
    });
    server.start();
  }

  String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  /** Waits until the first calls arrived. */
  boolean awaitReached(long seconds) throws InterruptedException {
    return reached.await(seconds, TimeUnit.SECONDS);
  }

  /** Lets every hanging call, and every later one, answer. */
  void release() {
    released.countDown();
  }

  /** The Idempotency-Key of every call, in arrival order. */
  List<String> keys() {
    return List.copyOf(keys);
  }

  @Override
  public void close() {
    release();
    server.stop(0);
  }
}
