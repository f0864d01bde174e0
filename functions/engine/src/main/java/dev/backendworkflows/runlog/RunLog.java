package dev.backendworkflows.runlog;

import dev.backendworkflows.execution.Execution;
import java.util.Optional;

/**
 * Port: the run log, which is also where runs keep their journal and claim. It offers reads and one
 * conditional write; what a claim, a takeover or a finish means is the engine's to decide.
 * Adapters: {@code DynamoDbRunLog} (AWS) and {@link dev.backendworkflows.runlog.local.MapRunLog}
 * (local runner, tests).
 */
public interface RunLog {

  /** @return the run as users see it, or empty when there is none with that id (or it expired). */
  Optional<RunRecord> get(String runId);

  /**
   * Runs matching the query, newest first.
   *
   * @throws dev.backendworkflows.exceptions.InvalidCursorException for a cursor this log did not issue
   */
  RunPage query(RunQuery query);

  /** @return the whole execution (record, journal, claim), or empty when there is none (or it expired). */
  Optional<Execution> load(String runId);

  /**
   * Writes {@code execution} if the stored one has version {@code expectedVersion} ({@code 0}: if none
   * is stored), atomically. {@code execution.version()} is what is stored.
   *
   * @return false when the stored version differs — another attempt wrote since: the writer is fenced out
   */
  boolean write(Execution execution, long expectedVersion);
}
