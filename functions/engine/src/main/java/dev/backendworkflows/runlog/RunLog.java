package dev.backendworkflows.runlog;

import java.util.Optional;

/**
 * Port: the run log. Adapters: {@code DynamoDbRunLog} (AWS) and
 * {@link dev.backendworkflows.runlog.local.MapRunLog} (local runner, tests).
 */
public interface RunLog {

  /** Writes the record, replacing any earlier version of the same run id. */
  void put(RunRecord run);

  /** @return the run, or empty when there is none with that id (or it expired). */
  Optional<RunRecord> get(String runId);

  /**
   * Runs matching the query, newest first.
   *
   * @throws dev.backendworkflows.exceptions.InvalidCursorException for a cursor this log did not issue
   */
  RunPage query(RunQuery query);
}
