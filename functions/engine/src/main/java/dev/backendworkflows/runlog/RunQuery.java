package dev.backendworkflows.runlog;

/** Runs of a workflow and/or with a status, newest first; at least one filter is required. */
public record RunQuery(String workflow, RunStatus status, int limit, String cursor) {
  public static final int MAX_LIMIT = 100;

  public RunQuery {
    if (workflow == null && status == null) {
      throw new IllegalArgumentException("a run query needs a workflow or a status");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }
}
