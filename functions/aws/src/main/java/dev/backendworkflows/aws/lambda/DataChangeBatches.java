package dev.backendworkflows.aws.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.dynamodb.StreamRecords;
import dev.backendworkflows.datachange.ChangeTriggers;
import dev.backendworkflows.datachange.ThingChange;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.StructuredLog;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Handles a batch of the Things table's stream records for a data_change workflow's function, in
 * order. Each change runs the workflow once, under the run id the change gives it, so a batch
 * delivered again (a retry, a bisected half) replays what ran before. When a change cannot be
 * delivered (its run could not be recorded, or another attempt still holds it), it and every record after it are left undone and its
 * sequence number is the batch's one item failure ({@code ReportBatchItemFailures}): Lambda retries
 * from there, and keeps the shard's order.
 */
public final class DataChangeBatches {
  /** Records are not started with less than this left before the invocation's deadline. */
  static final java.time.Duration LAST_START = java.time.Duration.ofSeconds(10);
  private final ChangeTriggers triggers;
  private final String workflow;

  /** For {@code workflow}'s function; a null workflow delivers each change to every workflow watching its type. */
  public DataChangeBatches(ChangeTriggers triggers, String workflow) {
    this.triggers = triggers;
    this.workflow = workflow;
  }

  /**
   * The answer Lambda reads: {@code {"batchItemFailures": [{"itemIdentifier": <sequence number>}]}}.
   * A record is not started when less than {@link #LAST_START} is left before the invocation's
   * deadline: it is answered as failed, so Lambda sends it again rather than time the batch out.
   */
  public Map<String, Object> handle(JsonNode event, Invocation invocation) {
    List<Map<String, String>> failures = new ArrayList<>();
    for (JsonNode record : event.path("Records")) {
      String sequence = StreamRecords.sequence(record);
      if (invocation.deadline() != null && java.time.Instant.now().plus(LAST_START).isAfter(invocation.deadline())) {
        failures.add(Map.of("itemIdentifier", sequence));
        break;
      }
      try {
        ThingChange change = StreamRecords.change(record);
        if (change != null) {
          deliver(change, invocation);
        }
      } catch (RuntimeException e) {
        StructuredLog.write("error", "stream record " + sequence + " could not be delivered; it and the records after it are "
            + "retried: " + e, Map.of("sequence", sequence));
        failures.add(Map.of("itemIdentifier", sequence));
        break;
      }
    }
    return Map.of("batchItemFailures", failures);
  }

  private void deliver(ThingChange change, Invocation invocation) {
    if (workflow == null) {
      triggers.deliver(change, invocation);
      return;
    }
    WorkflowDefinition wf = triggers.watching(change.type()).stream().filter(w -> w.name().equals(workflow)).findFirst().orElse(null);
    if (wf != null) {
      triggers.deliver(wf, change, invocation);
    }
  }
}
