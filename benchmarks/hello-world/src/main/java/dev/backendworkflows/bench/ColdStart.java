package dev.backendworkflows.bench;

import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One cold start, as Lambda's Java runtime does it: in a fresh JVM, instantiate the handler class
 * (its constructor is the init phase), then handle one event. Prints one line of JSON: milliseconds
 * from JVM start to the handler built ({@code init_ms}) and to the event handled ({@code total_ms}),
 * and the handler's answer's first characters. Usage: {@code ColdStart <handler class> <event file>}.
 */
public final class ColdStart {
  private ColdStart() {}

  public static void main(String[] args) throws Exception {
    byte[] event = Files.readAllBytes(Path.of(args[1]));
    long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
    RequestStreamHandler handler = (RequestStreamHandler) Class.forName(args[0]).getDeclaredConstructor().newInstance();
    long init = System.currentTimeMillis() - jvmStart;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    handler.handleRequest(new ByteArrayInputStream(event), out, null);
    long total = System.currentTimeMillis() - jvmStart;
    String answer = out.toString(java.nio.charset.StandardCharsets.UTF_8);
    System.out.println("{\"init_ms\":" + init + ",\"total_ms\":" + total + ",\"answer\":\""
        + answer.substring(0, Math.min(60, answer.length())).replace("\\", "").replace("\"", "'") + "\"}");
  }
}
