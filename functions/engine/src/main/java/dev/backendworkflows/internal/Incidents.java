package dev.backendworkflows.internal;

import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Faults of our own, logged once under an incident id: the caller and the run log get the id and
 * a plain sentence, the structured log gets the exception's type, message and where it was thrown.
 */
public final class Incidents {
  private Incidents() {}

  /** Logs {@code e} with {@code context} and returns the incident id to show instead. */
  public static String record(String what, Throwable e, Map<String, ?> context) {
    String id = "inc-" + Ids.newId(Instant.now()).toLowerCase(java.util.Locale.ROOT);
    Map<String, Object> details = new LinkedHashMap<>(context);
    details.put("incident", id);
    details.put("exception", e.getClass().getName());
    details.put("exception_message", String.valueOf(e.getMessage()));
    details.put("at", Arrays.stream(e.getStackTrace()).limit(8).map(StackTraceElement::toString).collect(Collectors.joining(" < ")));
    if (e.getCause() != null) {
      details.put("cause", e.getCause().getClass().getName() + ": " + e.getCause().getMessage());
    }
    StructuredLog.write("error", what, details);
    return id;
  }
}
