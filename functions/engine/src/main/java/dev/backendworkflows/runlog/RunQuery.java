package dev.backendworkflows.runlog;

/**
 * Runs of a workflow and/or with a status, newest first; at least one of the two is required.
 * {@code version} (a workflow's definition version, as runs record it) narrows runs of a workflow.
 */
public record RunQuery(String workflow, RunStatus status, String version, int limit, String cursor) {
  public static final int MAX_LIMIT = 100;

  public RunQuery {
    if (workflow == null && status == null) {
      throw new IllegalArgumentException("a run query needs a workflow or a status");
    }
    if (version != null && workflow == null) {
      throw new IllegalArgumentException("a run query by version needs its workflow");
    }
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
  }

  public RunQuery(String workflow, RunStatus status, int limit, String cursor) {
    this(workflow, status, null, limit, cursor);
  }

  /** True when {@code r} has the version asked for, or none was asked for. */
  public boolean versionMatches(RunRecord r) {
    return version == null || version.equals(r.definitionVersion());
  }
}
