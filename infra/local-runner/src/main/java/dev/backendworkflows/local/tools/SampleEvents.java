package dev.backendworkflows.local.tools;

import com.fasterxml.jackson.databind.SerializationFeature;
import dev.backendworkflows.aws.lambda.HttpApiEvents;
import dev.backendworkflows.aws.lambda.WorkflowFunctionHandler;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Generates {@code events/}: one API Gateway v2 sample event per API workflow, built from the
 * workflow's {@code example}; a scheduled-run delivery, a batch chunk, a resumption and the sweep; and a
 * firing per recurring workflow, and a Things-table stream record per data_change workflow — so the
 * samples cannot drift from the definitions (a test checks it).
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.SampleEvents}
 */
public final class SampleEvents {
  /** The bearer token in the samples; replace it with a real key, or register it locally. */
  public static final String SAMPLE_API_KEY = "bwk_sample_key_replace_me";
  private static final Instant SAMPLE_TIME = Instant.parse("2026-01-01T00:00:00Z");

  private SampleEvents() {}

  /** File name → pretty JSON, for every API workflow. */
  public static Map<String, String> generate(Workflows workflows) {
    Map<String, String> files = new TreeMap<>();
    for (WorkflowDefinition wf : workflows.byName().values()) {
      if (wf.trigger().kind() != Trigger.Kind.API) {
        continue;
      }
      Map<String, String> headers = new TreeMap<>(Map.of("content-type", "application/json"));
      if (wf.trigger().auth() == Trigger.Auth.API_KEY) {
        headers.put("authorization", "Bearer " + SAMPLE_API_KEY);
      }
      Map<String, Object> event = HttpApiEvents.event("POST", "/wf/" + wf.name(), "", headers,
          Json.write(wf.example()), "127.0.0.1", "sample-" + wf.name(), SAMPLE_TIME);
      files.put("api-" + wf.name() + ".json", pretty(event));
    }
    files.put("scheduled-run.json", pretty(Map.of(WorkflowFunctionHandler.SCHEDULED_RUN_ID, "01SAMPLESCHEDULEDRUNID0000")));
    files.put("sweep.json", pretty(Map.of(WorkflowFunctionHandler.SWEEP, true)));
    // a chunk of a batch job arrives like any scheduled run; its stored record says it is a chunk
    files.put("batch-chunk.json", pretty(Map.of(WorkflowFunctionHandler.SCHEDULED_RUN_ID,
        dev.backendworkflows.schedule.BatchJob.chunkId("01SAMPLEBATCHJOBID000000000", 0))));
    // what the sweep sends a workflow's function to continue a run whose attempt died (an API run)
    files.put("resume-run.json", pretty(Map.of(WorkflowFunctionHandler.RESUME_RUN_ID, "01SAMPLERUNID0000000000000")));
    for (WorkflowDefinition wf : workflows.byName().values()) {
      if (wf.trigger().kind() == Trigger.Kind.DATA_CHANGE) {
        files.put("data-change-" + wf.name() + ".json", pretty(Map.of("Records", List.of(streamRecord(wf, workflows)))));
      }
      if (wf.trigger().kind() == Trigger.Kind.RECURRING) {
        files.put("recurring-" + wf.name() + ".json", pretty(new TreeMap<>(Map.of(WorkflowFunctionHandler.RECURRING_WORKFLOW, wf.name(),
            WorkflowFunctionHandler.SCHEDULED_TIME, SAMPLE_TIME.toString()))));
      }
    }
    return files;
  }

  /**
   * A stream record of the kind {@code wf} runs on: a thing of its type with a text value in each
   * text field, changed (or created, or deleted) so that each of its watched fields changes, and
   * its condition's usual shape (a field that "becomes" a value) holds when the value is the one the
   * sample shows: {@code status} goes from pending to paid.
   */
  private static Map<String, Object> streamRecord(WorkflowDefinition wf, Workflows workflows) {
    Trigger.DataChange dc = wf.trigger().dataChange();
    dev.backendworkflows.definition.DataType type = workflows.types().get(dc.type());
    Map<String, Object> was = new TreeMap<>();
    Map<String, Object> is = new TreeMap<>();
    type.fields().values().forEach(f -> {
      Object value = switch (f.type()) {
        case NUMBER -> 4200;
        case BOOLEAN -> true;
        case DATE -> SAMPLE_TIME.toString();
        case OBJECT -> Map.of();
        case TEXT -> f.name().equals("status") ? "paid" : f.name().contains("email") ? "customer@example.com"
            : f.name().equals("currency") ? "EUR" : "sample " + f.name();
      };
      Object list = f.list() ? List.of(value) : value;
      is.put(f.name(), list);
      was.put(f.name(), f.name().equals("status") ? "pending" : list);
    });
    String id = "01SAMPLETHINGID00000000000";
    Thing before = new Thing(dc.type(), id, was, SAMPLE_TIME, SAMPLE_TIME, 1);
    Thing after = new Thing(dc.type(), id, is, SAMPLE_TIME, SAMPLE_TIME.plusSeconds(60), 2);
    boolean changed = dc.on().contains(Trigger.ChangeEvent.CHANGED);
    boolean created = !changed && dc.on().contains(Trigger.ChangeEvent.CREATED);
    return dev.backendworkflows.aws.dynamodb.StreamRecords.record("4200000000000000000001", changed || !created ? before : null,
        changed || created ? after : null, 0, SAMPLE_TIME.plusSeconds(60));
  }

  static String pretty(Object value) {
    try {
      return Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Workflows workflows = new DefinitionLoader().load(root.resolve("functions/workflows"));
    Path events = root.resolve("events");
    Files.createDirectories(events);
    for (var e : generate(workflows).entrySet()) {
      Files.writeString(events.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
      System.out.println("wrote events/" + e.getKey());
    }
  }
}
