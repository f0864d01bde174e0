package dev.backendworkflows.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/** A local runner in a process of its own, to be killed with {@code kill -9}: its port, and its output in a log file. */
record RunnerProcess(Process process, int port, Path log) {
  /**
   * Starts {@code LocalRunner} on a free port with the dev key {@code bwk_test}, private outbound
   * calls allowed, definitions from {@code workflows} and data in {@code data}, writing its output to {@code log}.
   */
  static RunnerProcess start(Path workflows, Path data, Path log) {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    try {
      Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LocalRunner.class.getName(),
          "--port", Integer.toString(port), "--workflows", workflows.toString(), "--data-dir", data.toString(), "--api-key", "bwk_test",
          "--allow-private-outbound").redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new RunnerProcess(p, port, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
