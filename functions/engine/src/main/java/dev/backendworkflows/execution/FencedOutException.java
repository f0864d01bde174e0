package dev.backendworkflows.execution;

/**
 * An attempt's write was refused because another attempt took its run (or chunk) over: the attempt
 * must stop at once and change nothing more. Not an error of the run, which goes on in the other attempt.
 */
public final class FencedOutException extends RuntimeException {
  private final String runId;

  public FencedOutException(String runId, int attempt) {
    super("attempt " + attempt + " of run " + runId + " was fenced out: another attempt took the run over", null, false, false);
    this.runId = runId;
  }

  public String runId() {
    return runId;
  }
}
