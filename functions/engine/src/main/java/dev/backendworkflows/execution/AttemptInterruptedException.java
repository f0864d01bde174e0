package dev.backendworkflows.execution;

/**
 * The run log could not be written mid-run (an infrastructure fault): this attempt stops, and the
 * run is continued by a later one — a retry of the same invocation at once, else after its lease.
 */
public final class AttemptInterruptedException extends RuntimeException {
  private final String runId;

  public AttemptInterruptedException(String runId, RuntimeException cause) {
    super("run " + runId + " was interrupted: its journal could not be written (" + cause.getClass().getSimpleName()
        + "); it is continued automatically", cause);
    this.runId = runId;
  }

  public String runId() {
    return runId;
  }
}
