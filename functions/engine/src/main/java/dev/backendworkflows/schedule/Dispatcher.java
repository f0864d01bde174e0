package dev.backendworkflows.schedule;

/**
 * Port: delivers a scheduled run that is already due right away, without a scheduler round trip
 * (AWS: an asynchronous Lambda invoke of the workflow's function; local: the runner's executor).
 */
public interface Dispatcher {
  /** Delivers {@code scheduledRunId} to {@code workflow}'s function as soon as possible, at least once. */
  void dispatchNow(String scheduledRunId, String workflow);

  /**
   * Asks {@code workflow}'s function to continue run {@code runId}, which has no scheduled run (an
   * API run whose attempt died), as soon as possible, at least once.
   */
  void resume(String runId, String workflow);
}
