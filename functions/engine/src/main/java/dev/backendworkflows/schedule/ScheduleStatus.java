package dev.backendworkflows.schedule;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A scheduled run's life: pending → running → succeeded | failed | terminated, or pending → cancelled. */
public enum ScheduleStatus {
  PENDING, RUNNING, SUCCEEDED, FAILED, TERMINATED, CANCELLED;

  @JsonValue
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ScheduleStatus fromWire(String s) {
    return valueOf(s.toUpperCase(Locale.ROOT));
  }
}
