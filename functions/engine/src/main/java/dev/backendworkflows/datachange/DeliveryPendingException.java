package dev.backendworkflows.datachange;

/**
 * A change's run is held by another attempt that has not ended (one whose function timed out keeps
 * its lease until its deadline passes): the change is not delivered yet, and must be delivered
 * again later — not acknowledged, so the changes after it wait as they would in a stream shard.
 */
public final class DeliveryPendingException extends RuntimeException {
  private final String runId;

  public DeliveryPendingException(String runId, String sequence) {
    super("run " + runId + " of change " + sequence + " is held by another attempt that has not ended; deliver the change again later",
        null, false, false);
    this.runId = runId;
  }

  /** The run another attempt holds. */
  public String runId() {
    return runId;
  }
}
