package dev.backendworkflows.aws.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.aws.dynamodb.StreamRecords;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.schedule.Deliveries;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * The one Lambda handler of every workflow function. It takes an API Gateway HTTP API (payload 2.0)
 * event and answers it, or a scheduled-run delivery ({@code {"scheduled_run_id": …}}, from
 * EventBridge Scheduler or an asynchronous invoke), a recurring firing ({@code {"recurring_workflow",
 * "scheduled_time"}}), a resumption ({@code {"resume_run_id": …}}), the sweep, or a batch of the Things
 * table's stream records for a data_change workflow ({@link DataChangeBatches}), and runs it once.
 * Which workflow a function serves comes from its environment ({@code WORKFLOW_NAME}). Each
 * invocation holds what it claims under its request id until its deadline (plus a margin): a retry
 * of the same request by Lambda continues at once, anyone else only after that.
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
  /** The field of a resumption of a run that has no scheduled run (an API run whose attempt died). */
  public static final String RESUME_RUN_ID = "resume_run_id";

  private final HttpApi api;
  private final Deliveries deliveries;
  private final DataChangeBatches changes;
  private final Supplier<Invocation> withoutContext;

  /** Kept here because CRaC holds its resources weakly; null outside Lambda's default constructor. */
  private final org.crac.Resource priming;

  /**
   * Used by Lambda: builds everything from the environment, once per execution environment, and
   * registers the priming SnapStart runs before it snapshots the function ({@link Priming}).
   */
  public WorkflowFunctionHandler() {
    this(AwsRuntime.fromEnvironment(System.getenv()), true);
  }

  private WorkflowFunctionHandler(AwsRuntime.Function function, boolean primeBeforeSnapshot) {
    this(function.api(), function.deliveries(), function.workflow(), Invocation::untimed,
        primeBeforeSnapshot ? snapStartPriming(function) : null);
  }

  /** Registers with CRaC (SnapStart's runtime hooks) a resource whose {@code beforeCheckpoint} primes {@code function}. */
  static org.crac.Resource snapStartPriming(AwsRuntime.Function function) {
    org.crac.Resource resource = new org.crac.Resource() {
      @Override
      public void beforeCheckpoint(org.crac.Context<? extends org.crac.Resource> context) {
        function.priming().run();
      }

      @Override
      public void afterRestore(org.crac.Context<? extends org.crac.Resource> context) {
        // nothing to renew: clients reconnect by themselves, and credentials come from the restored environment
      }
    };
    org.crac.Core.getGlobalContext().register(resource);
    return resource;
  }

  public WorkflowFunctionHandler(AwsRuntime.Function function) {
    this(function.api(), function.deliveries(), function.workflow(), Invocation::untimed, null);
  }

  /** Used by tests, with their own adapters: each call without a Lambda context is an invocation of its own. */
  public WorkflowFunctionHandler(HttpApi api, Deliveries deliveries) {
    this(api, deliveries, Invocation::untimed);
  }

  /** Used by the local runner: {@code withoutContext} names the invocations it makes (it has no Lambda context). */
  public WorkflowFunctionHandler(HttpApi api, Deliveries deliveries, Supplier<Invocation> withoutContext) {
    this(api, deliveries, null, withoutContext, null);
  }

  /**
   * {@code workflow} is the one this function serves: a stream batch runs only it (null: every
   * data_change workflow watching the changed type, as in the local runner).
   */
  private WorkflowFunctionHandler(HttpApi api, Deliveries deliveries, String workflow, Supplier<Invocation> withoutContext,
      org.crac.Resource priming) {
    this.api = api;
    this.deliveries = deliveries;
    this.changes = new DataChangeBatches(new dev.backendworkflows.datachange.ChangeTriggers(deliveries.engine()), workflow);
    this.withoutContext = withoutContext;
    this.priming = priming;
  }

  /** This invocation: Lambda's request id, and its deadline from the remaining time. */
  private Invocation invocation(Context context) {
    if (context == null || context.getAwsRequestId() == null) {
      return withoutContext.get();
    }
    return new Invocation(context.getAwsRequestId(), Instant.now().plusMillis(Math.max(0, context.getRemainingTimeInMillis())));
  }

  private static String text(JsonNode event, String field) {
    JsonNode v = event.get(field);
    return v != null && v.isTextual() ? v.asText() : null;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    ApiResponse response;
    Invocation invocation = invocation(context);
    try {
      JsonNode event = Json.MAPPER.readTree(input);
      // an infrastructure failure in a delivery propagates, so Lambda retries it under the same request id
      if (event != null && event.has(SCHEDULED_RUN_ID)) {
        Json.MAPPER.writeValue(output, deliveries.deliver(text(event, SCHEDULED_RUN_ID), invocation));
        return;
      }
      if (event != null && StreamRecords.isBatch(event)) { // the Things table's stream, for a data_change workflow
        Json.MAPPER.writeValue(output, changes.handle(event, invocation));
        return;
      }
      if (event != null && event.has(RESUME_RUN_ID)) {
        Json.MAPPER.writeValue(output, deliveries.resume(text(event, RESUME_RUN_ID), invocation));
        return;
      }
      if (event != null && event.path(SWEEP).asBoolean(false)) {
        Json.MAPPER.writeValue(output, deliveries.sweep(invocation));
        return;
      }
      if (event != null && event.hasNonNull(RECURRING_EVENT_ID)) {
        Deliveries.Result result = deliveries.deliverRecurringEvent(event.get(RECURRING_EVENT_ID).asText(),
            Instant.parse(event.path(SCHEDULED_TIME).asText()), invocation);
        Json.MAPPER.writeValue(output, result);
        return;
      }
      if (event != null && event.hasNonNull(RECURRING_WORKFLOW)) {
        Deliveries.Result result = deliveries.deliverRecurring(event.get(RECURRING_WORKFLOW).asText(),
            Instant.parse(event.path(SCHEDULED_TIME).asText()), invocation);
        Json.MAPPER.writeValue(output, result);
        return;
      }
      ApiRequest request = HttpApiEvents.request(event);
      response = api.handle(request, invocation);
    } catch (IOException | IllegalArgumentException | NullPointerException | java.time.format.DateTimeParseException e) {
      // what was wrong, in our words: never the parser's message, which can name classes
      response = ApiResponse.error(400, "bad_event", "Not an event this function takes: an API Gateway HTTP API event "
          + "(payload format 2.0), a DynamoDB stream batch, or a delivery, resumption, firing or sweep (" + switch (e) {
            case java.time.format.DateTimeParseException d -> "its scheduled_time is not an ISO-8601 instant";
            case IOException io -> "it is not JSON";
            default -> "it lacks version 2.0 and requestContext.http";
          } + ")");
    }
    Json.MAPPER.writeValue(output, HttpApiEvents.response(response));
  }
}
