package dev.backendworkflows.execution;

import dev.backendworkflows.runlog.RunRecord;

/**
 * A run as the run log stores it: the record users read, the journal another attempt continues
 * from, and the claim — {@code version} (every write adds one, and is conditional on the version
 * it replaces: this is what fences a zombie attempt out), the {@code lease} of the attempt that holds
 * it, and {@code attemptBase}, the attempt number from which the workflow's attempt limit counts
 * (a retry by API starts a fresh allowance).
 */
public record Execution(RunRecord record, Journal journal, long version, Lease lease, int attemptBase) {
  public String runId() {
    return record.runId();
  }

  /** This execution as written by its next write: one version further. */
  public Execution next(RunRecord newRecord, Journal newJournal, Lease newLease) {
    return new Execution(newRecord, newJournal, version + 1, newLease, attemptBase);
  }
}
