package dev.backendworkflows.runlog;

/** Where a run is in its life; every run ends in one of the last four. */
public enum RunStatus {
  RUNNING, SUCCEEDED, FAILED, TERMINATED, REJECTED;

  @com.fasterxml.jackson.annotation.JsonValue
  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  @com.fasterxml.jackson.annotation.JsonCreator
  public static RunStatus fromWire(String s) {
    return valueOf(s.toUpperCase(java.util.Locale.ROOT));
  }
}
