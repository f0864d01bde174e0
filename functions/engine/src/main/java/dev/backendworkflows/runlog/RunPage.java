package dev.backendworkflows.runlog;

import java.util.List;

/** One page of runs, newest first; {@code cursor} is null on the last page. */
public record RunPage(List<RunRecord> runs, String cursor) {
  public RunPage {
    runs = List.copyOf(runs);
  }
}
