package dev.backendworkflows.engine;

/**
 * What a workflow's function may touch besides its own runs (which every function reads and
 * writes): each becomes one grant of the function's role in {@code template.yaml}.
 */
public enum Access {
  /** The Things table: data actions, and the pages a batch job over a search fetches. */
  THINGS,
  /** The Schedules table: scheduled runs, batch jobs, recurring events. */
  SCHEDULES,
  /** EventBridge Scheduler, and asynchronous invokes of workflow functions (dispatch, resume). */
  SCHEDULER,
  /** SES: sending as the stage's {@code MailFrom} or one of the workflow's declared {@code senders}. */
  EMAIL,
  /** The ApiKeys table, read-only: checking the callers of an API workflow with {@code auth: api_key}. */
  API_KEYS
}
