package dev.backendworkflows.local.cli;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/** How bw prints runs, schedules and batch jobs for people (each command also has --json). */
final class Render {
  private static final int PREVIEW = 100;

  private Render() {}

  static void run(PrintStream out, RunRecord r) {
    run(out, Json.object(r));
  }

  /** A run and its steps, one line each. */
  @SuppressWarnings("unchecked")
  static void run(PrintStream out, Map<String, Object> r) {
    out.println("run " + r.get("run_id") + "  " + r.get("workflow") + "  " + r.get("status")
        + (r.get("duration_ms") != null ? "  " + r.get("duration_ms") + " ms" : "")
        + "  trigger " + r.get("trigger") + (r.get("attempt") != null ? "  attempt " + r.get("attempt") : ""));
    if (r.get("steps") instanceof List<?> steps) {
      for (Object o : steps) {
        Map<String, Object> s = (Map<String, Object>) o;
        String label = s.get("id") != null ? String.valueOf(s.get("id")) : "#" + s.get("index");
        StringBuilder line = new StringBuilder(String.format("  %-3s %-18s %-20s %-10s %6s ms", s.get("index"), label,
            s.get("action"), s.get("status"), s.get("duration_ms") == null ? "-" : s.get("duration_ms")));
        if (s.get("condition") != null) {
          line.append("  when=").append(s.get("condition"));
        }
        if (s.get("error") != null) {
          line.append("  error ").append(preview(s.get("error")));
        } else if (s.get("output") != null) {
          line.append("  ").append(preview(s.get("output")));
        }
        out.println(line);
      }
    }
    if (r.get("error") instanceof Map<?, ?> e) { // in full: it says why the run failed
      out.println("error: " + e.get("code") + ": " + e.get("message"));
      if (e.get("fields") instanceof List<?> fields) {
        for (Object f : fields) {
          if (f instanceof Map<?, ?> field) {
            out.println("  " + field.get("field") + ": " + field.get("code") + ": " + field.get("message"));
          }
        }
      }
    }
    if (r.get("response") != null) {
      out.println("response: " + Json.write(r.get("response")));
    }
  }

  /** One line per run of a listing. */
  static void runLine(PrintStream out, Map<String, Object> r) {
    Object error = r.get("error") instanceof Map<?, ?> e ? e.get("code") : null;
    out.println(String.format("%-26s  %-22s  %-10s  %-12s  %s%s", r.get("run_id"), r.get("workflow"), r.get("status"),
        r.get("trigger"), r.get("started_at"), error == null ? "" : "  " + error));
  }

  static void scheduleLine(PrintStream out, Map<String, Object> s) {
    out.println(String.format("%-26s  %-22s  %-10s  due %s%s", s.get("id"), s.get("workflow"), s.get("status"), s.get("due_at"),
        s.get("chain_id") != null && !s.get("chain_id").equals(s.get("id")) ? "  chain " + s.get("chain_id") : ""));
  }

  /** A batch job with a progress bar: {@code [#####.....] 50% 500/1000 done, 2 failed, 10/s, ETA ...}. */
  static void batch(PrintStream out, Map<String, Object> b) {
    long total = number(b.get("total"));
    long done = number(b.get("done"));
    long failed = number(b.get("failed"));
    int width = 30;
    int filled = total <= 0 ? 0 : (int) Math.min(width, (done + failed) * width / total);
    String bar = "[" + "#".repeat(filled) + ".".repeat(width - filled) + "]";
    long pct = total <= 0 ? 0 : (done + failed) * 100 / total;
    String eta = b.get("eta") != null ? "  ETA " + b.get("eta") : b.get("eta_not_before") != null ? "  ETA ≥ " + b.get("eta_not_before") : "";
    out.println(String.format("%-26s  %-20s  %-9s %s %3d%%  %d/%d%s done, %d failed%s%s", b.get("id"), b.get("workflow"),
        b.get("status"), bar, pct, done, total, Boolean.FALSE.equals(b.get("total_final")) ? "+" : "", failed,
        b.get("rate") != null ? "  " + b.get("rate") + "/s" : "", eta));
  }

  private static long number(Object o) {
    return o instanceof Number n ? n.longValue() : 0;
  }

  static String preview(Object value) {
    String s = value instanceof String str ? str : Json.write(value);
    return s.length() <= PREVIEW ? s : s.substring(0, PREVIEW) + "…";
  }
}
