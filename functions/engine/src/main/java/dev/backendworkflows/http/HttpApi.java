package dev.backendworkflows.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.auth.ApiKey;
import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.engine.ParameterBinder;
import dev.backendworkflows.engine.RunOutcome;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.exceptions.InvalidCursorException;
import dev.backendworkflows.execution.AttemptInterruptedException;
import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.internal.StructuredLog;
import dev.backendworkflows.runlog.ErrorInfo;
import dev.backendworkflows.runlog.RunLog;
import dev.backendworkflows.runlog.RunPage;
import dev.backendworkflows.runlog.RunQuery;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.RunStatus;
import dev.backendworkflows.schedule.BatchJob;
import dev.backendworkflows.schedule.Batches;
import dev.backendworkflows.schedule.SchedulePage;
import dev.backendworkflows.schedule.ScheduleStatus;
import dev.backendworkflows.schedule.ScheduledRun;
import dev.backendworkflows.schedule.Scheduling;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The HTTP surface: {@code POST /wf/{name}} runs an API workflow; {@code GET /runs/{id}} and
 * {@code GET /runs?workflow=&status=} read the run log; {@code GET /schedules}, {@code GET|DELETE
 * /schedules/{id}} and {@code POST /schedules/{id}/retry} manage scheduled runs; {@code GET|DELETE
 * /chains/{id}} show and cancel a chain of runs; {@code GET|DELETE /batches/{id}} and {@code POST
 * /batches/{id}/pause|resume|retry} follow and steer batch jobs, {@code GET /batches} lists them,
 * {@code GET /workflows} describes the loaded workflows, {@code GET|POST /keys} and {@code DELETE
 * /keys/{name}} manage API keys, {@code GET|DELETE /recurring[/{id}]} list and cancel recurring events
 * (admin key); {@code GET /openapi.json} takes any key (it lists what that key may call); the
 * dashboard's files need no key. Every failure is a JSON error envelope with a code from {@link ErrorCodes}; no stack trace ever leaves.
 */
public final class HttpApi {
  /** Request bodies above this many bytes are refused with 413. */
  public static final int MAX_BODY_BYTES = 256 * 1024;
  private static final Pattern WORKFLOW_PATH = Pattern.compile("^/wf/([^/]+)/?$");
  private static final Pattern RUN_PATH = Pattern.compile("^/runs/([^/]+)(/retry)?/?$");
  /** How long an idempotency key binds to the run it started. */
  public static final java.time.Duration IDEMPOTENCY_TTL = java.time.Duration.ofHours(24);
  /** The request header of an idempotency key, and the response header of a replayed answer. */
  public static final String IDEMPOTENCY_KEY = "idempotency-key";
  public static final String REPLAYED = "idempotent-replayed";
  private static final int MAX_KEY_LENGTH = 255;
  private static final Pattern SCHEDULE_PATH = Pattern.compile("^/schedules(?:/([^/]+))?(/retry)?/?$");
  private static final Pattern CHAIN_PATH = Pattern.compile("^/chains/([^/]+)/?$");
  private static final Pattern CHARSET = Pattern.compile("(?i);\\s*charset\\s*=\\s*\"?([^\";\\s]+)");
  private static final Pattern KEY_PATH = Pattern.compile("^/keys(?:/([^/]+))?/?$");
  private static final Pattern RECURRING_PATH = Pattern.compile("^/recurring(?:/([^/]+))?/?$");
  private static final Pattern BATCH_PATH = Pattern.compile("^/batches/([^/]+)(?:/(pause|resume|retry))?/?$");

  /** Which routes this deployment serves: one workflow (its own Lambda), the admin API, or all (local runner). */
  public sealed interface Routes {
    /** Serves {@code POST /wf/{name}} for one workflow only. */
    record Workflow(String name) implements Routes {}

    /** Serves the admin routes only. */
    record Admin() implements Routes {}

    /** Serves everything. */
    record All() implements Routes {}
  }

  private final WorkflowEngine engine;
  private final RunLog runs;
  private final ApiKeys keys;
  private final Routes routes;

  public HttpApi(WorkflowEngine engine, RunLog runs, ApiKeys keys, Routes routes) {
    this.engine = engine;
    this.runs = runs;
    this.keys = keys;
    this.routes = routes;
  }

  public ApiResponse handle(ApiRequest request) {
    return handle(request, Invocation.untimed());
  }

  /** Answers a request that arrived in {@code invocation} (the runs it starts are held by it). */
  public ApiResponse handle(ApiRequest request, Invocation invocation) {
    try {
      return route(request, invocation);
    } catch (AttemptInterruptedException e) {
      StructuredLog.write("error", e.getMessage() + ": " + e.getCause(), Map.of("run_id", e.runId()));
      return ApiResponse.error(503, new ErrorInfo("run_interrupted", "The run was interrupted by a fault of the platform and "
          + "is continued automatically; repeat the request with the same Idempotency-Key for its outcome"), e.runId())
          .withHeader("x-run-id", e.runId()).withHeader("retry-after", "5");
    } catch (RuntimeException e) {
      String incident = dev.backendworkflows.internal.Incidents.record("request failed unexpectedly", e,
          Map.of("request_id", String.valueOf(request.requestId()), "path", String.valueOf(request.path())));
      return ApiResponse.error(500, new ErrorInfo("internal_error", "The request failed unexpectedly; incident " + incident,
          java.util.List.of(), incident), null);
    }
  }

  private ApiResponse route(ApiRequest request, Invocation invocation) {
    String path = request.path() == null ? "/" : request.path();
    Matcher wf = WORKFLOW_PATH.matcher(path);
    if (wf.matches()) {
      if (!request.method().equals("POST")) {
        return methodNotAllowed("POST", request);
      }
      String name = segment(wf.group(1));
      // on AWS every /wf/{name} no workflow function has a route for comes to the admin function,
      // which runs nothing: it answers as for a workflow that does not exist, not with API Gateway's 404
      return routes instanceof Routes.Admin ? notCallable(name, Optional.empty(), request) : runWorkflow(name, request, invocation);
    }
    if (!(routes instanceof Routes.Workflow)) {
      Matcher run = RUN_PATH.matcher(path);
      if (run.matches() || path.equals("/runs") || path.equals("/runs/")) {
        boolean retry = run.matches() && run.group(2) != null;
        if (!request.method().equals(retry ? "POST" : "GET")) {
          return methodNotAllowed(retry ? "POST" : "GET", request);
        }
        Optional<ApiResponse> denied = requireKey(request, true);
        if (denied.isPresent()) {
          return denied.get();
        }
        return retry ? retryRun(segment(run.group(1))) : run.matches() ? getRun(segment(run.group(1))) : listRuns(request);
      }
      Matcher schedule = SCHEDULE_PATH.matcher(path);
      if (schedule.matches()) {
        String id = schedule.group(1) == null ? null : segment(schedule.group(1));
        String allowed = id == null ? "GET" : schedule.group(2) != null ? "POST" : "GET, DELETE";
        if (!java.util.Arrays.asList(allowed.split(", ")).contains(request.method())) {
          return methodNotAllowed(allowed, request);
        }
        Optional<ApiResponse> denied = requireKey(request, true);
        if (denied.isPresent()) {
          return denied.get();
        }
        return schedules(request, id, schedule.group(2) != null);
      }
      Matcher chain = CHAIN_PATH.matcher(path);
      if (chain.matches()) {
        if (!request.method().equals("GET") && !request.method().equals("DELETE")) {
          return methodNotAllowed("GET, DELETE", request);
        }
        Optional<ApiResponse> denied = requireKey(request, true);
        if (denied.isPresent()) {
          return denied.get();
        }
        return chain(segment(chain.group(1)), request.method().equals("DELETE"));
      }
      Matcher batch = BATCH_PATH.matcher(path);
      if (batch.matches()) {
        String allowed = batch.group(2) != null ? "POST" : "GET, DELETE";
        if (!java.util.Arrays.asList(allowed.split(", ")).contains(request.method())) {
          return methodNotAllowed(allowed, request);
        }
        Optional<ApiResponse> denied = requireKey(request, true);
        if (denied.isPresent()) {
          return denied.get();
        }
        return batch(segment(batch.group(1)), batch.group(2), request.method());
      }
    }
    if (!(routes instanceof Routes.Workflow)) {
      Optional<ApiResponse> more = moreRoutes(request, path);
      if (more.isPresent()) {
        return more.get();
      }
    }
    return ApiResponse.error(404, "not_found", "No route for " + request.method() + " " + path
        + (routes instanceof Routes.Admin ? "; this function serves /runs and /schedules" : "; workflows are called as POST /wf/{name}"));
  }

  /**
   * {@code GET /openapi.json} and the dashboard's pages (no key: the pages ask for one and send it
   * with each request), {@code GET /workflows}, {@code GET /batches} and the key routes (admin key).
   */
  private Optional<ApiResponse> moreRoutes(ApiRequest request, String path) {
    String method = request.method();
    if (path.equals("/openapi.json")) {
      if (!method.equals("GET")) {
        return Optional.of(methodNotAllowed("GET", request));
      }
      // any valid key: the document lists the workflows that key may call (and the admin routes
      // for an admin key), so without a key nobody learns which workflows exist
      KeyCheck check = checkKey(request, false, null);
      if (check.denied() != null) {
        return Optional.of(check.denied());
      }
      ApiKey caller = check.key();
      return Optional.of(ApiResponse.json(200, OpenApi.document(engine.workflows(), engine.services().stage(),
          wf -> caller.mayCall(wf.name()), caller.admin())).withHeader("cache-control", "no-store"));
    }
    if (path.equals("/dashboard") || path.startsWith("/dashboard/")) {
      return Optional.of(method.equals("GET") ? Dashboard.page(path) : methodNotAllowed("GET", request));
    }
    Matcher key = KEY_PATH.matcher(path);
    Matcher recurring = RECURRING_PATH.matcher(path);
    boolean admin = path.equals("/workflows") || path.equals("/workflows/") || path.equals("/batches") || path.equals("/batches/")
        || key.matches() || recurring.matches();
    if (!admin) {
      return Optional.empty();
    }
    String allowed = key.matches() ? (key.group(1) == null ? "GET, POST" : "DELETE")
        : recurring.matches() && recurring.group(1) != null ? "GET, DELETE" : "GET";
    if (!Arrays.asList(allowed.split(", ")).contains(method)) {
      return Optional.of(methodNotAllowed(allowed, request));
    }
    Optional<ApiResponse> denied = requireKey(request, true);
    if (denied.isPresent()) {
      return denied;
    }
    if (path.startsWith("/workflows")) {
      return Optional.of(ApiResponse.json(200, Map.of("workflows", WorkflowCatalog.describe(engine.workflows()))));
    }
    if (path.startsWith("/batches")) {
      return Optional.of(listBatches(request));
    }
    if (recurring.matches()) {
      return Optional.of(recurring(request, recurring.group(1) == null ? null
          : segment(recurring.group(1))));
    }
    if (key.group(1) != null) {
      return Optional.of(Keys.revoke(keys, segment(key.group(1))));
    }
    if (method.equals("GET")) {
      return Optional.of(Keys.list(keys));
    }
    try {
      return Optional.of(Keys.create(keys, body(request), engine.workflows().byName().values().stream()
          .filter(wf -> wf.trigger().kind() == Trigger.Kind.API).map(WorkflowDefinition::name)
          .collect(java.util.stream.Collectors.toSet())));
    } catch (BadRequest e) {
      return Optional.of(e.response);
    }
  }

  /**
   * Recurring events ({@code set_recurring}): every one, or of one workflow; one by id; or, with
   * DELETE, one cancelled (its schedule removed), as {@code cancel_recurring} would.
   */
  private ApiResponse recurring(ApiRequest request, String id) {
    if (id == null) {
      String workflow = blankToNull(request.query().get("workflow"));
      var events = engine.services().schedules().listRecurring().stream()
          .filter(e -> workflow == null || e.workflow().equals(workflow))
          .sorted(java.util.Comparator.comparing(dev.backendworkflows.schedule.RecurringEvent::createdAt))
          .map(this::redacted).toList();
      return ApiResponse.json(200, Map.of("recurring", events));
    }
    var found = engine.services().schedules().getRecurring(id);
    if (found.isEmpty()) {
      return ApiResponse.error(404, "recurring_not_found", "No recurring event with id '" + id + "'");
    }
    if (request.method().equals("DELETE")) {
      var e = found.get();
      try {
        new dev.backendworkflows.schedule.Recurrences(engine.services(), engine.workflows()).cancel(e.workflow(), e.thingType(), e.thingId());
      } catch (dev.backendworkflows.exceptions.ActionException gone) { // cancelled meanwhile
        return ApiResponse.error(404, "recurring_not_found", "No recurring event with id '" + id + "'");
      }
      Map<String, Object> body = new LinkedHashMap<>(dev.backendworkflows.internal.Json.object(redacted(e)));
      body.put("cancelled", true);
      return ApiResponse.json(200, body);
    }
    return ApiResponse.json(200, redacted(found.get()));
  }

  /** A recurring event as the API shows it: secret parameters of its workflow redacted. */
  private dev.backendworkflows.schedule.RecurringEvent redacted(dev.backendworkflows.schedule.RecurringEvent e) {
    Map<String, Object> params = engine.workflows().get(e.workflow()).map(wf -> ParameterBinder.redact(wf, e.params())).orElse(e.params());
    return e.withParams(params);
  }

  /** Batch jobs in one status, or (none given) running and paused ones first, then the others. */
  private ApiResponse listBatches(ApiRequest request) {
    Map<String, String> q = request.query();
    Integer limit = limit(q);
    if (limit == null) {
      return badQuery("limit", "must be a whole number from 1 to " + RunQuery.MAX_LIMIT);
    }
    java.util.List<BatchJob.Status> statuses;
    if (blankToNull(q.get("status")) != null) {
      try {
        statuses = java.util.List.of(BatchJob.Status.fromWire(q.get("status")));
      } catch (IllegalArgumentException e) {
        return badQuery("status", "must be one of " + String.join(", ", Arrays.stream(BatchJob.Status.values()).map(BatchJob.Status::wire).toList()));
      }
    } else {
      statuses = java.util.List.of(BatchJob.Status.RUNNING, BatchJob.Status.PAUSED, BatchJob.Status.CREATING,
          BatchJob.Status.DONE, BatchJob.Status.CANCELLED);
    }
    Batches batches = new Batches(engine.services(), engine.workflows());
    java.util.List<Map<String, Object>> out = new java.util.ArrayList<>();
    for (BatchJob.Status status : statuses) {
      for (BatchJob job : engine.services().schedules().batches(status, limit - out.size())) {
        out.add(progress(batches.progress(job, 3)));
      }
      if (out.size() >= limit) {
        break;
      }
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("batches", out);
    body.put("cursor", null);
    return ApiResponse.json(200, body);
  }

  /** The answer for a name that is no API workflow (of this function): 401 without a key, as for a protected one. */
  private ApiResponse notCallable(String name, Optional<WorkflowDefinition> found, ApiRequest request) {
    // without a key nobody learns which workflows exist: the same 401 as a protected one (and a
    // scoped key the same 403 as for a workflow outside its scope)
    KeyCheck check = checkKey(request, false, name);
    if (check.denied() != null) {
      return check.denied();
    }
    return found.isEmpty() ? ApiResponse.error(404, "unknown_workflow", "No API workflow named '" + name + "'")
        : ApiResponse.error(404, "unknown_workflow", "Workflow '" + name + "' has trigger "
            + found.get().trigger().kind().name().toLowerCase() + " and is not callable over HTTP");
  }

  private ApiResponse runWorkflow(String name, ApiRequest request, Invocation invocation) {
    Optional<WorkflowDefinition> found = engine.workflows().get(name)
        .filter(d -> !(routes instanceof Routes.Workflow w && !w.name().equals(name)));
    if (found.isEmpty() || found.get().trigger().kind() != Trigger.Kind.API) {
      return notCallable(name, found, request);
    }
    WorkflowDefinition def = found.get();
    String caller = "anonymous";
    if (def.trigger().auth() == Trigger.Auth.API_KEY) {
      KeyCheck check = checkKey(request, false, name);
      if (check.denied() != null) {
        return check.denied();
      }
      caller = "key:" + check.key().name();
    }
    if (def.trigger().auth() == Trigger.Auth.SIGNATURE) {
      Trigger.Signature sig = def.trigger().signature();
      String secret;
      try {
        secret = engine.services().secrets().get(sig.secret());
      } catch (dev.backendworkflows.exceptions.ActionException notSet) { // the deployment's fault, not the caller's
        String incident = dev.backendworkflows.internal.Incidents.record("signature secret unavailable", notSet,
            Map.of("workflow", name, "secret", sig.secret()));
        return ApiResponse.error(500, new ErrorInfo("internal_error", "The workflow's signing secret is not available; incident "
            + incident, java.util.List.of(), incident), null);
      }
      Optional<String> problem = Signatures.problem(sig, request, secret, engine.services().clock().instant());
      if (problem.isPresent()) {
        return ApiResponse.error(401, "invalid_signature", "Workflow '" + name + "' takes requests signed by its sender: "
            + problem.get());
      }
      caller = "signature:" + sig.secret();
    }
    // an anonymous caller is an end user too: the data schema's privacy rules apply to the run, with no claims
    Map<String, Object> user = def.trigger().auth() == Trigger.Auth.NONE ? Map.of() : null;
    if (def.trigger().auth() == Trigger.Auth.USER) {
      // API Gateway's JWT authorizer verified the token before the function ran; no claims, no user
      if (!(request.claims().get("sub") instanceof String sub) || sub.isBlank()) {
        return ApiResponse.error(401, "unauthorized", "Workflow '" + name + "' needs a user: send 'Authorization: Bearer <JWT>' "
            + "from the identity provider the stack trusts").withHeader("www-authenticate", "Bearer");
      }
      caller = "user:" + sub;
      user = request.claims();
    }
    Object input;
    try {
      input = body(request);
    } catch (BadRequest e) {
      return e.response;
    }
    @SuppressWarnings("unchecked")
    RunRequest run = new RunRequest(name, (Map<String, Object>) input, "api", caller, user);
    String key;
    try {
      key = idempotencyKey(def, request, run.input());
    } catch (BadRequest e) {
      return e.response;
    }
    return key == null ? start(run.as(null, invocation)) : startOnce(run, key, invocation);
  }

  private ApiResponse start(RunRequest run) {
    try {
      return outcomeResponse(engine.run(run));
    } catch (WorkflowEngine.RejectedRunException e) {
      return ApiResponse.error(400, new ErrorInfo(e.code(), e.getMessage(), e.input().fields()), e.runId())
          .withHeader("x-run-id", e.runId());
    }
  }

  /**
   * The idempotency key of a call: its {@code Idempotency-Key} header, else the workflow's
   * {@code idempotency_key} evaluated over the parameters (when they bind; if not, the call is
   * rejected anyway), else none.
   */
  private static String idempotencyKey(WorkflowDefinition def, ApiRequest request, Map<String, Object> input) {
    String header = request.header(IDEMPOTENCY_KEY);
    if (header != null) {
      if (header.isBlank() || header.length() > MAX_KEY_LENGTH || !header.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f)) {
        throw new BadRequest(ApiResponse.error(400, new ErrorInfo("invalid_idempotency_key", "The Idempotency-Key header must be "
            + "1 to " + MAX_KEY_LENGTH + " printable ASCII characters", java.util.List.of(new ErrorInfo.FieldError(
                "Idempotency-Key", "invalid", "1 to " + MAX_KEY_LENGTH + " printable ASCII characters"))), null));
      }
      return header;
    }
    if (def.idempotencyKey() == null) {
      return null;
    }
    Map<String, Object> params;
    try {
      params = ParameterBinder.bind(def, input);
    } catch (dev.backendworkflows.exceptions.InvalidInputException e) {
      return null;
    }
    Object value = def.idempotencyKey().evaluate(new dev.backendworkflows.expression.Scope(params, Map.of(), Map.of(), ""));
    if (value == null || String.valueOf(value).isBlank()) {
      throw new BadRequest(ApiResponse.error(400, new ErrorInfo("idempotency_key_missing", "Workflow '" + def.name()
          + "' takes its idempotency key from its parameters, and they gave none; send the parameter it names, or an "
          + "Idempotency-Key header", java.util.List.of()), null));
    }
    String key = value instanceof String str ? str : Json.write(value);
    return key.length() > MAX_KEY_LENGTH ? dev.backendworkflows.internal.Ids.hash(key) : key;
  }

  /**
   * Runs a call with an idempotency key at most once per caller, workflow and key for
   * {@link #IDEMPOTENCY_TTL}: a repeat with the same body answers the first run's outcome (with
   * {@code Idempotent-Replayed: true}); with another body it is refused ({@code 422}); while the
   * first is still running it is refused ({@code 409}) — unless that run's attempt died, in which
   * case this call continues it.
   */
  private ApiResponse startOnce(RunRequest run, String key, Invocation invocation) {
    var services = engine.services();
    String scope = dev.backendworkflows.internal.Ids.hash(run.caller(), run.workflow(), key);
    String requestHash = dev.backendworkflows.internal.Ids.hash(Json.canonical(run.input()));
    for (int tries = 0; ; tries++) {
      java.time.Instant now = services.clock().instant();
      var record = services.idempotency().get(scope).filter(r -> r.liveAt(now));
      if (tries == 5) { // claims keep losing to records that then read as expired: a clock far off, say
        return ApiResponse.error(409, new ErrorInfo("idempotency_key_in_progress", "Idempotency-Key '" + key
            + "' could not be bound to a run; repeat the request", java.util.List.of()), null).withHeader("retry-after", "1");
      }
      if (record.isEmpty()) {
        String runId = dev.backendworkflows.internal.Ids.newId(now);
        if (services.idempotency().claim(new dev.backendworkflows.execution.IdempotencyRecord(scope, runId, requestHash,
            now.plus(IDEMPOTENCY_TTL)), now)) {
          return start(run.as(runId, invocation));
        }
        continue; // a concurrent call with the same key won
      }
      if (!record.get().requestHash().equals(requestHash)) {
        return ApiResponse.error(422, new ErrorInfo("idempotency_key_reused", "Idempotency-Key '" + key + "' was used with "
            + "another request body (run " + record.get().runId() + "); use a new key for a new request", java.util.List.of()),
            record.get().runId()).withHeader("x-run-id", record.get().runId());
      }
      String runId = record.get().runId();
      var stored = services.runs().load(runId);
      if (stored.isPresent() && stored.get().record().status() != RunStatus.RUNNING) {
        RunRecord r = stored.get().record();
        var journal = stored.get().journal();
        ApiResponse replay = r.status() == RunStatus.REJECTED
            ? ApiResponse.error(400, r.error(), runId).withHeader("x-run-id", runId)
            : completedResponse(r, journal == null ? null : journal.response(), journal != null && journal.responseDropped());
        return replay.withHeader(REPLAYED, "true");
      }
      ApiResponse answer = start(run.as(runId, invocation));
      if (answer.status() == 409) {
        return ApiResponse.error(409, new ErrorInfo("idempotency_key_in_progress", "A request with Idempotency-Key '" + key
            + "' is still running (run " + runId + "); repeat it once that one has finished", java.util.List.of()), runId)
            .withHeader("x-run-id", runId).withHeader("retry-after", "1");
      }
      return answer;
    }
  }

  private static ApiResponse outcomeResponse(RunOutcome outcome) {
    RunRecord r = outcome.record();
    if (outcome.kind() == RunOutcome.Kind.IN_PROGRESS || outcome.kind() == RunOutcome.Kind.FENCED) {
      return ApiResponse.error(409, new ErrorInfo("run_in_progress", "Run " + r.runId() + " is held by another attempt",
          java.util.List.of()), r.runId()).withHeader("x-run-id", r.runId());
    }
    ApiResponse answer = completedResponse(r, outcome.response(), outcome.responseOmitted());
    return outcome.kind() == RunOutcome.Kind.REPLAYED ? answer.withHeader(REPLAYED, "true") : answer;
  }

  /** A run's answer; {@code omitted} when its response was too large to keep for replays (it is then null). */
  private static ApiResponse completedResponse(RunRecord r, Object response, boolean omitted) {
    if (r.status() == RunStatus.FAILED) {
      int status = switch (r.error().code()) {
        case "internal_error" -> 500;
        case "forbidden_by_privacy" -> 403; // the caller is not allowed this, whatever the input
        default -> 422;
      };
      return ApiResponse.error(status, r.error(), r.runId()).withHeader("x-run-id", r.runId());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("run_id", r.runId());
    body.put("status", r.status().wire());
    if (r.status() == RunStatus.TERMINATED) {
      body.put("reason", r.reason());
    }
    body.put("response", response);
    if (omitted) {
      body.put("response_omitted", true);
    }
    return ApiResponse.json(200, body).withHeader("x-run-id", r.runId());
  }

  /** The body as a JSON object: empty means {}, anything else must be application/json within the cap. */
  private static Object body(ApiRequest request) {
    if (request.bodyNotUtf8()) {
      throw new BadRequest(ApiResponse.error(400, "invalid_utf8", "Request body is not valid UTF-8"));
    }
    String body = request.body();
    if (body == null || body.isBlank()) {
      return Map.of();
    }
    if (body.getBytes(StandardCharsets.UTF_8).length > MAX_BODY_BYTES) {
      throw new BadRequest(ApiResponse.error(413, "body_too_large", "Request body is larger than the "
          + MAX_BODY_BYTES / 1024 + " KiB limit"));
    }
    String type = request.header("content-type");
    if (type == null || !type.toLowerCase(java.util.Locale.ROOT).split(";")[0].strip().equals("application/json")) {
      throw new BadRequest(ApiResponse.error(415, "unsupported_media_type", "Send the parameters as a JSON object with "
          + "Content-Type: application/json (got " + (type == null ? "no Content-Type" : "'" + type + "'") + ")"));
    }
    java.util.regex.Matcher charset = CHARSET.matcher(type);
    if (charset.find() && !charset.group(1).equalsIgnoreCase("utf-8") && !charset.group(1).equalsIgnoreCase("utf8")) {
      throw new BadRequest(ApiResponse.error(415, "unsupported_media_type", "JSON is read as UTF-8 only; got charset '"
          + charset.group(1) + "'"));
    }
    JsonNode node;
    try {
      node = Json.STRICT.readTree(body); // one value, no duplicate keys
    } catch (Exception e) {
      String detail = e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
          ? " at line " + j.getLocation().getLineNr() + ", column " + j.getLocation().getColumnNr() : "";
      throw new BadRequest(ApiResponse.error(400, "malformed_json", "Request body is not valid JSON" + detail));
    }
    if (node == null || !node.isObject()) {
      throw new BadRequest(ApiResponse.error(400, "malformed_json", "Request body must be a JSON object of parameters, got "
          + (node == null ? "nothing" : node.getNodeType().toString().toLowerCase())));
    }
    return Json.plain(node);
  }

  private Optional<ApiResponse> requireKey(ApiRequest request, boolean admin) {
    return Optional.ofNullable(checkKey(request, admin, null).denied());
  }

  /** The caller's key, or the answer refusing it (exactly one is set). */
  private record KeyCheck(ApiKey key, ApiResponse denied) {}

  /** Authenticates the bearer key once; {@code workflow}, when given, must be in the key's scope. */
  private KeyCheck checkKey(ApiRequest request, boolean admin, String workflow) {
    String token = bearer(request);
    if (token == null) {
      return new KeyCheck(null, ApiResponse.error(401, "unauthorized", "Send an API key as 'Authorization: Bearer <key>'")
          .withHeader("www-authenticate", "Bearer"));
    }
    Optional<ApiKey> key = keys.authenticate(token);
    if (key.isEmpty()) {
      return new KeyCheck(null, ApiResponse.error(401, "unauthorized", "The API key is not valid")
          .withHeader("www-authenticate", "Bearer error=\"invalid_token\""));
    }
    if (admin && !key.get().admin()) {
      return new KeyCheck(null, ApiResponse.error(403, "forbidden", "The admin routes (runs, schedules, recurring events, chains, batch jobs, workflows, API keys) need an admin API key"));
    }
    if (workflow != null && !key.get().mayCall(workflow)) {
      return new KeyCheck(null, ApiResponse.error(403, "forbidden", "API key '" + key.get().name() + "' may call only: "
          + key.get().scope()));
    }
    return new KeyCheck(key.get(), null);
  }

  private static String bearer(ApiRequest request) {
    String auth = request.header("authorization");
    if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    return auth.substring(7).strip();
  }

  /**
   * Retries a failed run: it continues from its journal (steps that succeeded are not run again),
   * with a fresh allowance of attempts, in its workflow's function.
   */
  private ApiResponse retryRun(String id) {
    Optional<RunRecord> found = runs.get(id);
    if (found.isEmpty()) {
      return ApiResponse.error(404, "run_not_found", "No run with id '" + id + "'");
    }
    RunRecord r = found.get();
    if (r.status() != RunStatus.FAILED) {
      return ApiResponse.error(409, "run_not_failed", "Run " + id + " is " + r.status().wire() + "; only failed runs can be retried");
    }
    if (r.trigger().equals("custom_event")) {
      return ApiResponse.error(409, "run_not_retryable", "Run " + id + " is a custom event; retry the run that triggered it ("
          + r.caller() + ")");
    }
    try {
      if (r.trigger().equals("schedule")) {
        new Scheduling(engine.services(), engine.workflows()).retry(id);
      } else if (WorkflowEngine.reopen(runs, id).isPresent()) {
        engine.services().dispatcher().resume(id, r.workflow());
      } else {
        return ApiResponse.error(409, "run_not_retryable", "Run " + id + " cannot be continued (it has no journal)");
      }
    } catch (dev.backendworkflows.exceptions.ActionException e) {
      return ApiResponse.error(409, e.code(), e.getMessage());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("run_id", id);
    body.put("status", RunStatus.RUNNING.wire());
    return ApiResponse.json(202, body).withHeader("x-run-id", id);
  }

  private ApiResponse getRun(String id) {
    return runs.get(id).map(r -> ApiResponse.json(200, r))
        .orElseGet(() -> ApiResponse.error(404, "run_not_found", "No run with id '" + id + "' (run records expire after the retention period)"));
  }

  private ApiResponse listRuns(ApiRequest request) {
    Map<String, String> q = request.query();
    String workflow = blankToNull(q.get("workflow"));
    RunStatus status = null;
    if (blankToNull(q.get("status")) != null) {
      try {
        status = RunStatus.fromWire(q.get("status"));
      } catch (IllegalArgumentException e) {
        return badQuery("status", "must be one of " + String.join(", ", Arrays.stream(RunStatus.values()).map(RunStatus::wire).toList()));
      }
    }
    if (workflow == null && status == null) {
      return badQuery("workflow", "give workflow and/or status (e.g. /runs?workflow=send-reminder&status=failed)");
    }
    String version = blankToNull(q.get("version"));
    if (version != null && workflow == null) {
      return badQuery("version", "a definition version belongs to one workflow: give workflow too (e.g. /runs?workflow=send-reminder&version=…)");
    }
    Integer limit = limit(q);
    if (limit == null) {
      return badQuery("limit", "must be a whole number from 1 to " + RunQuery.MAX_LIMIT);
    }
    try {
      RunPage page = runs.query(new RunQuery(workflow, status, version, limit, blankToNull(q.get("cursor"))));
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("runs", page.runs());
      body.put("cursor", page.cursor());
      return ApiResponse.json(200, body);
    } catch (InvalidCursorException e) {
      return badQuery("cursor", e.getMessage());
    }
  }

  private ApiResponse schedules(ApiRequest request, String id, boolean retry) {
    Scheduling scheduling = new Scheduling(engine.services(), engine.workflows());
    try {
      if (id == null) {
        Map<String, String> q = request.query();
        ScheduleStatus status = ScheduleStatus.PENDING;
        if (blankToNull(q.get("status")) != null) {
          try {
            status = ScheduleStatus.fromWire(q.get("status"));
          } catch (IllegalArgumentException e) {
            return badQuery("status", "must be one of " + String.join(", ", Arrays.stream(ScheduleStatus.values()).map(ScheduleStatus::wire).toList()));
          }
        }
        Integer limit = limit(q);
        if (limit == null) {
          return badQuery("limit", "must be a whole number from 1 to " + RunQuery.MAX_LIMIT);
        }
        SchedulePage page = engine.services().schedules().list(status, blankToNull(q.get("workflow")), limit, blankToNull(q.get("cursor")));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("schedules", page.runs().stream().map(this::redacted).toList());
        body.put("cursor", page.cursor());
        return ApiResponse.json(200, body);
      }
      if (retry) {
        return ApiResponse.json(200, redacted(scheduling.retry(id)));
      }
      if (request.method().equals("DELETE")) {
        Scheduling.Cancellation c = scheduling.cancel(id);
        Map<String, Object> body = new LinkedHashMap<>(dev.backendworkflows.internal.Json.object(redacted(c.run())));
        body.put("cancelled", c.cancelled());
        return ApiResponse.json(200, body);
      }
      return engine.services().schedules().get(id).map(r -> ApiResponse.json(200, redacted(r)))
          .orElseGet(() -> ApiResponse.error(404, "schedule_not_found", "No scheduled run with id '" + id + "'"));
    } catch (InvalidCursorException e) {
      return badQuery("cursor", e.getMessage());
    } catch (dev.backendworkflows.exceptions.ActionException e) {
      int status = e.code().equals("schedule_not_found") ? 404 : 409;
      return ApiResponse.error(status, e.code(), e.getMessage());
    }
  }

  /** A batch job's progress (done, failed, remaining, rate, ETA, failures), or an operation on it. */
  private ApiResponse batch(String id, String operation, String method) {
    Batches batches = new Batches(engine.services(), engine.workflows());
    try {
      if ("pause".equals(operation)) {
        batches.pause(id);
      } else if ("resume".equals(operation)) {
        batches.resume(id);
      } else if ("retry".equals(operation)) {
        batches.retryFailed(id);
      } else if (method.equals("DELETE")) {
        batches.cancel(id);
      }
      return ApiResponse.json(200, progress(batches.progress(id, 100)));
    } catch (dev.backendworkflows.exceptions.ActionException e) {
      return ApiResponse.error(e.code().equals("batch_not_found") ? 404 : 409, e.code(), e.getMessage());
    }
  }

  /** A batch job's progress as the API shows it. */
  private static Map<String, Object> progress(Batches.Progress p) {
    BatchJob job = p.job();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("id", job.id());
    body.put("workflow", job.workflow());
    body.put("status", job.status().wire());
    body.put("total", job.total());
    body.put("total_final", p.totalFinal()); // a search job counts what it has found so far until the search is exhausted
    body.put("done", job.done());
    body.put("failed", job.failed());
    body.put("remaining", p.remaining());
    body.put("batch_size", job.batchSize());
    body.put("rate", job.rate());
    if (p.eta() != null) {
      body.put(p.totalFinal() ? "eta" : "eta_not_before", p.eta().toString());
    }
    body.put("failures", p.failures().stream().map(f -> Map.of("scheduled_run_id", f.id(),
        "item", f.params().get(job.itemParam()) == null ? "" : f.params().get(job.itemParam()),
        "error", f.error() == null ? Map.of() : f.error())).toList());
    body.put("more_failures", p.moreFailures());
    return body;
  }

  /** A chain: its scheduled runs in order, counts by status, and whether it was cancelled. */
  private ApiResponse chain(String chainId, boolean cancel) {
    if (engine.services().schedules().getBatch(chainId).isPresent()) { // its chain is the job's: steered, counted and read through it
      return ApiResponse.error(409, "part_of_batch", "'" + chainId + "' is a batch job; see or cancel it at /batches/" + chainId);
    }
    var runs = cancel ? new Scheduling(engine.services(), engine.workflows()).cancelChain(chainId)
        : engine.services().schedules().chain(chainId);
    if (runs.isEmpty()) {
      return ApiResponse.error(404, "chain_not_found", "No chain with id '" + chainId + "'");
    }
    Map<String, Long> counts = new java.util.TreeMap<>();
    runs.forEach(r -> counts.merge(r.status().wire(), 1L, Long::sum));
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("chain_id", chainId);
    body.put("cancelled", engine.services().schedules().chainCancelled(chainId));
    body.put("iterations", runs.stream().mapToInt(ScheduledRun::iteration).max().orElse(0));
    body.put("counts", counts);
    body.put("runs", runs.stream().map(this::redacted).toList());
    return ApiResponse.json(200, body);
  }

  /** A scheduled run as the API shows it: secret parameters of its workflow redacted. */
  private ScheduledRun redacted(ScheduledRun r) {
    Map<String, Object> params = engine.workflows().get(r.workflow()).map(wf -> ParameterBinder.redact(wf, r.params())).orElse(r.params());
    return r.withParams(params);
  }

  /** The {@code limit} query parameter (default 20), or null when it is not a number from 1 to 100. */
  private static Integer limit(Map<String, String> q) {
    if (q.get("limit") == null) {
      return 20;
    }
    try {
      int limit = Integer.parseInt(q.get("limit"));
      return limit < 1 || limit > RunQuery.MAX_LIMIT ? null : limit;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static ApiResponse badQuery(String field, String message) {
    return ApiResponse.error(400, new ErrorInfo("invalid_query", "Query parameter '" + field + "': " + message,
        java.util.List.of(new ErrorInfo.FieldError(field, "invalid", message))), null);
  }

  /** A path segment URL-decoded, as every route reads its ids; one with a broken escape is taken as it came. */
  private static String segment(String raw) {
    try {
      return java.net.URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException brokenEscape) {
      return raw;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static ApiResponse methodNotAllowed(String allowed, ApiRequest request) {
    return ApiResponse.error(405, "method_not_allowed", request.method() + " is not allowed here; use " + allowed)
        .withHeader("allow", allowed);
  }

  /** Carries a ready error response out of body parsing. */
  private static final class BadRequest extends RuntimeException {
    final transient ApiResponse response;

    BadRequest(ApiResponse response) {
      super(null, null, false, false);
      this.response = response;
    }
  }
}
