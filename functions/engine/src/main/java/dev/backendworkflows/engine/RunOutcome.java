package dev.backendworkflows.engine;

import dev.backendworkflows.runlog.RunRecord;

/**
 * What asking for a run gave: its record and the data its {@code return} steps gave the caller (or
 * null; {@code responseOmitted} when a replayed run's response was too large to have been kept), and
 * how it came about — {@link Kind}.
 */
public record RunOutcome(RunRecord record, Object response, Kind kind, boolean responseOmitted) {
  public RunOutcome(RunRecord record, Object response, Kind kind) {
    this(record, response, kind, false);
  }

  /** How an outcome came about. */
  public enum Kind {
    /** This call ran the run (or its rest) to its end. */
    COMPLETED,
    /** The run had ended before: its stored outcome, nothing ran. */
    REPLAYED,
    /** Another live attempt holds the run: nothing ran; {@code record} is as stored. */
    IN_PROGRESS,
    /** This attempt lost the run to another attempt part-way: it stopped and changed nothing more. */
    FENCED
  }

  public RunOutcome(RunRecord record, Object response) {
    this(record, response, Kind.COMPLETED);
  }
}
