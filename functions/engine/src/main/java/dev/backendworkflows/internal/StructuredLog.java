package dev.backendworkflows.internal;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** One JSON object per line on stdout: what Lambda's JSON log format and CloudWatch Insights read. */
public final class StructuredLog {
  private StructuredLog() {}

  /** Set while a thread runs something whose lines nobody should read (SnapStart's dry run). */
  private static final ThreadLocal<Boolean> MUTED = ThreadLocal.withInitial(() -> false);

  /** Runs {@code work} with this thread's lines left out. */
  public static void muted(Runnable work) {
    MUTED.set(true);
    try {
      work.run();
    } finally {
      MUTED.remove();
    }
  }

  public static void write(String level, String message, Map<String, ?> context) {
    if (MUTED.get()) {
      return;
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("timestamp", Instant.now().toString());
    line.put("level", level.toUpperCase(java.util.Locale.ROOT));
    line.put("message", message);
    line.putAll(context);
    System.out.println(Json.write(line));
  }
}
