package dev.backendworkflows.aws.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.schedule.Deliveries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The one Lambda handler of every workflow function. It takes an API Gateway HTTP API (payload 2.0)
 * event and answers it, or a scheduled-run delivery ({@code {"scheduled_run_id": …}}, from
 * EventBridge Scheduler or an asynchronous invoke) or a recurring firing ({@code {"recurring_workflow",
 * "scheduled_time"}}) and runs it once. Which workflow a function
 * serves comes from its environment ({@code WORKFLOW_NAME}).
 */
public final class WorkflowFunctionHandler implements RequestStreamHandler {
  /** The one field of a scheduled-run delivery event. */
  public static final String SCHEDULED_RUN_ID = "scheduled_run_id";
  /** The fields of a recurring firing: the workflow and EventBridge's {@code <aws.scheduler.scheduled-time>}. */
  public static final String RECURRING_WORKFLOW = "recurring_workflow";
  public static final String SCHEDULED_TIME = "scheduled_time";
  /** The field of the sweeper's event ({@code {"sweep": true}}), which re-dispatches what faults left behind. */
  public static final String SWEEP = "sweep";
  /** The field of a firing of a recurring event set at run time (with {@link #SCHEDULED_TIME}). */
  public static final String RECURRING_EVENT_ID = "recurring_event_id";

  private final HttpApi api;
  private final Deliveries deliveries;

  /** Used by Lambda: builds everything from the environment, once per execution environment. */
  public WorkflowFunctionHandler() {
    this(AwsRuntime.fromEnvironment(System.getenv()));
  }

  public WorkflowFunctionHandler(AwsRuntime.Function function) {
    this(function.api(), function.deliveries());
  }

  /** Used by the local runner and tests, with their own adapters. */
  public WorkflowFunctionHandler(HttpApi api, Deliveries deliveries) {
    this.api = api;
    this.deliveries = deliveries;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    ApiResponse response;
    try {
      JsonNode event = Json.MAPPER.readTree(input);
      if (event != null && event.hasNonNull(SCHEDULED_RUN_ID)) {
        // an infrastructure failure here propagates, so Lambda retries the delivery
        Deliveries.Result result = deliveries.deliver(event.get(SCHEDULED_RUN_ID).asText());
        Json.MAPPER.writeValue(output, result);
        return;
      }
      if (event != null && event.path(SWEEP).asBoolean(false)) {
        Json.MAPPER.writeValue(output, deliveries.sweep());
        return;
      }
      if (event != null && event.hasNonNull(RECURRING_EVENT_ID)) {
        Deliveries.Result result = deliveries.deliverRecurringEvent(event.get(RECURRING_EVENT_ID).asText(),
            java.time.Instant.parse(event.path(SCHEDULED_TIME).asText()));
        Json.MAPPER.writeValue(output, result);
        return;
      }
      if (event != null && event.hasNonNull(RECURRING_WORKFLOW)) {
        Deliveries.Result result = deliveries.deliverRecurring(event.get(RECURRING_WORKFLOW).asText(),
            java.time.Instant.parse(event.path(SCHEDULED_TIME).asText()));
        Json.MAPPER.writeValue(output, result);
        return;
      }
      ApiRequest request = HttpApiEvents.request(event);
      response = api.handle(request);
    } catch (IOException | IllegalArgumentException | NullPointerException | java.time.format.DateTimeParseException e) {
      response = ApiResponse.error(400, "bad_event", "Not an API Gateway HTTP API v2 event: " + e.getMessage());
    }
    Json.MAPPER.writeValue(output, HttpApiEvents.response(response));
  }
}
