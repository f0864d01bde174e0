package dev.backendworkflows.schedule;

import java.util.List;

/** One page of scheduled runs in due order; {@code cursor} is null on the last page. */
public record SchedulePage(List<ScheduledRun> runs, String cursor) {
  public SchedulePage {
    runs = List.copyOf(runs);
  }
}
