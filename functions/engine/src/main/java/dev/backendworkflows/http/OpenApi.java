package dev.backendworkflows.http;

import dev.backendworkflows.definition.ParameterSpec;
import dev.backendworkflows.definition.StepDefinition;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The OpenAPI 3.1 document of a deployment, generated from its definitions: each API workflow's
 * parameters as its request schema and its {@code return} shape as far as the definition tells it,
 * the error envelope with every code ({@link ErrorCodes}), a security scheme per auth mode, and
 * the admin routes. Served at {@code GET /openapi.json} (no key needed) and written at build time.
 */
public final class OpenApi {
  /** The admin routes, as "METHOD path": the template routes each to the admin function (TemplateTest checks it). */
  public static final List<String> ADMIN_ROUTES = List.of(
      "GET /runs", "GET /runs/{id}", "POST /runs/{id}/retry",
      "GET /schedules", "GET /schedules/{id}", "DELETE /schedules/{id}", "POST /schedules/{id}/retry",
      "GET /chains/{id}", "DELETE /chains/{id}",
      "GET /batches", "GET /batches/{id}", "DELETE /batches/{id}", "POST /batches/{id}/{operation}",
      "GET /recurring", "GET /recurring/{id}", "DELETE /recurring/{id}",
      "GET /workflows", "GET /keys", "POST /keys", "DELETE /keys/{name}");
  /** The admin function's other routes: this document (any key) and the dashboard's files (no key). */
  public static final List<String> OTHER_ROUTES = List.of("GET /openapi.json", "GET /dashboard", "GET /dashboard/{file}");

  private OpenApi() {}

  /** The whole document for {@code workflows}: every API workflow and the admin routes (what the build writes). */
  public static Map<String, Object> document(Workflows workflows, String stage) {
    return document(workflows, stage, wf -> true, true);
  }

  /**
   * The document a caller sees: the API workflows {@code include} keeps (those its key may call),
   * and the admin routes when {@code admin}.
   */
  public static Map<String, Object> document(Workflows workflows, String stage,
      java.util.function.Predicate<WorkflowDefinition> include, boolean admin) {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("openapi", "3.1.0");
    doc.put("info", map("title", "Backend Workflows" + (stage == null ? "" : " (" + stage + ")"),
        "version", version(workflows),
        "description", "API workflows (POST /wf/{name}) and the admin API, generated from the workflow definitions. "
            + "Every error is {\"error\":{\"code\",\"message\",\"fields\"}}; the codes are listed under "
            + "components.schemas.Error and in x-error-codes."));
    Map<String, Object> paths = new TreeMap<>();
    for (WorkflowDefinition wf : workflows.byName().values()) {
      if (wf.trigger().kind() == Trigger.Kind.API && include.test(wf)) {
        paths.put("/wf/" + wf.name(), map("post", workflowOperation(wf)));
      }
    }
    if (admin) {
      adminPaths(paths);
    }
    Map<String, Object> spec = new LinkedHashMap<>(map("operationId", "getOpenApi",
        "summary", "This document: the workflows the caller's key may call, and the admin routes for an admin key",
        "tags", List.of("admin"), "security", List.of(map("apiKey", List.of())),
        "responses", map("200", map("description", "OpenAPI 3.1", "content", json(map("type", "object"))),
            "default", map("$ref", "#/components/responses/Error"))));
    add(paths, "/openapi.json", "get", spec);
    doc.put("paths", paths);
    Map<String, Object> components = new LinkedHashMap<>();
    components.put("schemas", schemas());
    components.put("securitySchemes", securitySchemes(workflows, include));
    components.put("responses", map("Error", map("description", "An error (see x-error-codes)",
        "content", json(ref("Error")))));
    doc.put("components", components);
    doc.put("x-error-codes", ErrorCodes.ALL.stream().map(c -> map("code", c.code(), "status", c.status(), "meaning", c.meaning())).toList());
    return doc;
  }

  /** A short hash of every workflow's version: the document changes when a definition does. */
  private static String version(Workflows workflows) {
    StringBuilder all = new StringBuilder();
    new TreeMap<>(workflows.byName()).forEach((name, wf) -> all.append(name).append('@').append(wf.version()).append('\n'));
    return dev.backendworkflows.internal.Ids.hash(all.toString()).substring(0, 12);
  }

  private static Map<String, Object> workflowOperation(WorkflowDefinition wf) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", "run_" + wf.name().replace('-', '_'));
    op.put("summary", wf.description() == null ? "Runs " + wf.name() : wf.description());
    op.put("tags", List.of("workflows"));
    op.put("security", switch (wf.trigger().auth()) {
      case NONE -> List.of();
      case API_KEY -> List.of(map("apiKey", List.of()));
      case USER -> List.of(map("userToken", List.of()));
      case SIGNATURE -> List.of(map(signatureScheme(wf), List.of()));
    });
    if (wf.trigger().auth() != Trigger.Auth.SIGNATURE) { // a signed request's Idempotency-Key comes from idempotency_key
      op.put("parameters", List.of(map("name", "Idempotency-Key", "in", "header", "required", false,
          "description", "Runs the workflow once per key for 24 hours; a repeat gets the first answer",
          "schema", map("type", "string", "minLength", 1, "maxLength", 255))));
    }
    op.put("requestBody", map("required", false, "content", json(requestSchema(wf))));
    Map<String, Object> responses = new LinkedHashMap<>();
    responses.put("200", map("description", "The run ended: succeeded, or terminated with a reason",
        "headers", map("x-run-id", map("description", "The run's id", "schema", map("type", "string"))),
        "content", json(map("type", "object", "required", List.of("run_id", "status", "response"),
            "properties", map("run_id", map("type", "string"),
                "status", map("type", "string", "enum", List.of("succeeded", "terminated")),
                "reason", map("type", List.of("string", "null")),
                "response", responseSchema(wf),
                "response_omitted", map("type", "boolean"))))));
    for (int status : List.of(400, 401, 403, 404, 409, 413, 415, 422, 500, 503)) {
      responses.put(String.valueOf(status), errorResponse(status));
    }
    op.put("responses", responses);
    return op;
  }

  /** The parameters as a JSON Schema: the types the binder takes, required ones required, others refused unless ignored. */
  static Map<String, Object> requestSchema(WorkflowDefinition wf) {
    Map<String, Object> properties = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    for (ParameterSpec p : wf.parameters().values()) {
      Map<String, Object> one = valueSchema(p);
      properties.put(p.name(), one);
      if (p.required()) {
        required.add(p.name());
      }
    }
    Map<String, Object> schema = new LinkedHashMap<>();
    schema.put("type", "object");
    schema.put("properties", properties);
    if (!required.isEmpty()) {
      schema.put("required", required);
    }
    schema.put("additionalProperties", wf.ignoreExtraParameters());
    return schema;
  }

  private static Map<String, Object> valueSchema(ParameterSpec p) {
    Map<String, Object> item = new LinkedHashMap<>();
    switch (p.type()) {
      case TEXT -> item.put("type", "string");
      case NUMBER -> item.put("type", "number");
      case BOOLEAN -> item.put("type", "boolean");
      case DATE -> {
        item.put("type", "string");
        item.put("format", "date-time");
      }
      case OBJECT -> item.put("type", "object");
    }
    Map<String, Object> schema = p.list() ? new LinkedHashMap<>(map("type", "array", "items", item)) : item;
    if (p.secret()) {
      schema.put("writeOnly", true);
      schema.put("description", "secret: redacted in run logs");
    } else if (p.defaultValue() != null) {
      schema.put("default", p.defaultValue());
    }
    return schema;
  }

  /**
   * The shape of the run's response: the keys of its {@code return} steps' {@code data} when it is
   * an object (values written as expressions can be anything), or null when no return step ran.
   */
  static Map<String, Object> responseSchema(WorkflowDefinition wf) {
    Map<String, Object> properties = new LinkedHashMap<>();
    boolean anyShape = false;
    boolean returns = false;
    for (StepDefinition s : wf.steps()) {
      if (!s.action().equals("return")) {
        continue;
      }
      returns = true;
      if (s.rawArgs().get("data") instanceof Map<?, ?> data) {
        data.forEach((k, v) -> properties.putIfAbsent(String.valueOf(k), literalSchema(v)));
      } else {
        anyShape = true;
      }
    }
    if (!returns) {
      return map("type", "null", "description", "the workflow has no return step");
    }
    if (anyShape) {
      return map("description", "what the return step gives");
    }
    return map("type", List.of("object", "null"), "properties", properties,
        "description", "the return step's data; null when the run ended before it");
  }

  private static Map<String, Object> literalSchema(Object v) {
    if (v instanceof String s && s.contains("{%")) {
      return map("description", "the value of " + s.strip());
    }
    return switch (v) {
      case String s -> map("const", s);
      case Number n -> map("type", "number");
      case Boolean b -> map("type", "boolean");
      case null -> map("type", "null");
      default -> map();
    };
  }

  private static void adminPaths(Map<String, Object> paths) {
    Map<String, Object> idParam = pathParam("id");
    Map<String, Object> limit = query("limit", map("type", "integer", "minimum", 1, "maximum", 100, "default", 20), "page size");
    Map<String, Object> cursor = query("cursor", map("type", "string"), "the cursor of the previous page");
    Map<String, Object> workflow = query("workflow", map("type", "string"), "a workflow's name");
    List<String> runStatuses = List.of("running", "succeeded", "failed", "terminated", "rejected");
    List<String> scheduleStatuses = List.of("pending", "running", "succeeded", "failed", "terminated", "cancelled");
    add(paths, "/runs", "get", admin("listRuns", "Runs of a workflow and/or in a status, newest first (give workflow or status)",
        List.of(workflow, query("status", map("type", "string", "enum", runStatuses), "a run status"),
            query("version", map("type", "string"), "a definition version (with workflow)"), limit, cursor),
        page("runs", ref("RunRecord"))));
    add(paths, "/runs/{id}", "get", admin("getRun", "A run with every step", List.of(idParam), ref("RunRecord")));
    add(paths, "/runs/{id}/retry", "post", admin("retryRun", "Continues a failed run from its journal", List.of(idParam),
        map("type", "object", "properties", map("run_id", map("type", "string"), "status", map("type", "string")))));
    add(paths, "/schedules", "get", admin("listSchedules", "Scheduled runs in a status (default pending), soonest first",
        List.of(query("status", map("type", "string", "enum", scheduleStatuses), "a scheduled run's status"), workflow, limit, cursor),
        page("schedules", ref("ScheduledRun"))));
    add(paths, "/schedules/{id}", "get", admin("getSchedule", "A scheduled run", List.of(idParam), ref("ScheduledRun")));
    add(paths, "/schedules/{id}", "delete", admin("cancelSchedule", "Cancels a pending scheduled run", List.of(idParam),
        ref("ScheduledRun")));
    add(paths, "/schedules/{id}/retry", "post", admin("retrySchedule", "Runs a failed scheduled run again", List.of(idParam),
        ref("ScheduledRun")));
    Map<String, Object> chain = map("type", "object", "required", List.of("chain_id", "runs"), "properties", map(
        "chain_id", map("type", "string"), "cancelled", map("type", "boolean"), "iterations", map("type", "integer"),
        "counts", map("type", "object", "additionalProperties", map("type", "integer")),
        "runs", map("type", "array", "items", ref("ScheduledRun"))));
    add(paths, "/chains/{id}", "get", admin("getChain", "A chain of scheduled runs (a recursive workflow's)", List.of(idParam), chain));
    add(paths, "/chains/{id}", "delete", admin("cancelChain", "Cancels a chain's pending runs and stops it", List.of(idParam), chain));
    add(paths, "/batches", "get", admin("listBatches", "Batch jobs in a status (default: every status, running ones first)",
        List.of(query("status", map("type", "string", "enum", List.of("creating", "running", "paused", "cancelled", "done")),
            "a batch job's status"), limit), page("batches", ref("BatchJob"))));
    add(paths, "/batches/{id}", "get", admin("getBatch", "A batch job's progress: done, failed, remaining, rate, ETA, failures",
        List.of(idParam), ref("BatchJob")));
    add(paths, "/batches/{id}", "delete", admin("cancelBatch", "Cancels a batch job", List.of(idParam), ref("BatchJob")));
    add(paths, "/batches/{id}/{operation}", "post", admin("steerBatch", "Pauses, resumes, or retries the failed items of a batch job",
        List.of(idParam, map("name", "operation", "in", "path", "required", true,
            "schema", map("type", "string", "enum", List.of("pause", "resume", "retry")))), ref("BatchJob")));
    Map<String, Object> recurringEvent = map("type", "object", "required", List.of("id", "workflow", "schedule"), "properties", map(
        "id", map("type", "string"), "workflow", map("type", "string"), "thing_type", map("type", "string"),
        "thing_id", map("type", "string"), "schedule", map("type", "string"), "timezone", map("type", "string"),
        "start", map("type", "string"), "params", map("type", "object"), "created_by", map("type", "string"),
        "created_at", map("type", "string"), "cancelled", map("type", "boolean")));
    add(paths, "/recurring", "get", admin("listRecurring", "Recurring events (set_recurring), oldest first", List.of(workflow),
        map("type", "object", "required", List.of("recurring"), "properties", map("recurring", map("type", "array", "items", recurringEvent)))));
    add(paths, "/recurring/{id}", "get", admin("getRecurring", "A recurring event", List.of(idParam), recurringEvent));
    add(paths, "/recurring/{id}", "delete", admin("cancelRecurring", "Cancels a recurring event and removes its schedule",
        List.of(idParam), recurringEvent));
    add(paths, "/workflows", "get", admin("listWorkflows", "The loaded workflows: trigger, parameters, steps and their conditions",
        List.of(), map("type", "object", "required", List.of("workflows"),
            "properties", map("workflows", map("type", "array", "items", map("type", "object",
                "required", List.of("name", "version", "trigger", "parameters", "steps")))))));
    Map<String, Object> key = map("type", "object", "required", List.of("name", "admin"), "properties", map(
        "name", map("type", "string"), "admin", map("type", "boolean"), "created_at", map("type", "string"),
        "workflows", map("type", "array", "items", map("type", "string")), "scope", map("type", "string")));
    add(paths, "/keys", "get", admin("listKeys", "API keys by name (never the keys themselves)", List.of(),
        map("type", "object", "required", List.of("keys"), "properties", map("keys", map("type", "array", "items", key)))));
    Map<String, Object> create = admin("createKey", "Creates an API key; the answer is the only time the key is shown", List.of(),
        map("type", "object", "required", List.of("key", "name"), "properties", map("key", map("type", "string"),
            "name", map("type", "string"), "admin", map("type", "boolean"), "workflows", map("type", "array", "items", map("type", "string")))));
    create.put("requestBody", map("required", true, "content", json(map("type", "object", "required", List.of("name"),
        "additionalProperties", false, "properties", map(
            "name", map("type", "string", "pattern", Keys.NAME.pattern()),
            "admin", map("type", "boolean", "default", false),
            "workflows", map("type", "array", "items", map("type", "string"),
                "description", "the workflows the key may call (default: every workflow)"))))));
    @SuppressWarnings("unchecked")
    Map<String, Object> created = (Map<String, Object>) create.get("responses");
    created.put("201", created.remove("200"));
    add(paths, "/keys", "post", create);
    add(paths, "/keys/{name}", "delete", admin("revokeKey", "Revokes every key of this name (cached keys stop working within a minute)",
        List.of(pathParam("name")), map("type", "object", "properties", map("name", map("type", "string"),
            "revoked", map("type", "integer")))));
  }

  private static Map<String, Object> admin(String operationId, String summary, List<Map<String, Object>> parameters, Object ok) {
    Map<String, Object> op = new LinkedHashMap<>();
    op.put("operationId", operationId);
    op.put("summary", summary);
    op.put("tags", List.of("admin"));
    op.put("description", "Needs an admin key.");
    op.put("security", List.of(map("apiKey", List.of())));
    if (!parameters.isEmpty()) {
      op.put("parameters", parameters);
    }
    Map<String, Object> responses = new LinkedHashMap<>();
    responses.put("200", map("description", "OK", "content", json(ok)));
    responses.put("default", map("$ref", "#/components/responses/Error"));
    op.put("responses", responses);
    return op;
  }

  @SuppressWarnings("unchecked")
  private static void add(Map<String, Object> paths, String path, String method, Map<String, Object> op) {
    ((Map<String, Object>) paths.computeIfAbsent(path, p -> new LinkedHashMap<>())).put(method, op);
  }

  private static Map<String, Object> page(String field, Object item) {
    return map("type", "object", "required", List.of(field), "properties",
        map(field, map("type", "array", "items", item), "cursor", map("type", List.of("string", "null"))));
  }

  private static Map<String, Object> errorResponse(int status) {
    List<String> codes = ErrorCodes.ALL.stream().filter(c -> c.status() == status).map(ErrorCodes.Code::code).toList();
    String description = status == 422 ? "The run failed (its step's error code) or the idempotency key was reused"
        : "Error: " + String.join(", ", codes);
    return map("description", description, "content", json(ref("Error")));
  }

  private static Map<String, Object> schemas() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("Error", map("type", "object", "required", List.of("error"), "properties", map(
        "error", map("type", "object", "required", List.of("code", "message", "fields"), "properties", map(
            "code", map("type", "string", "description", "one of x-error-codes; a failed run's code is its step's own",
                "examples", ErrorCodes.ALL.stream().map(ErrorCodes.Code::code).toList()),
            "message", map("type", "string"),
            "fields", map("type", "array", "items", map("type", "object", "required", List.of("field", "code", "message"),
                "properties", map("field", map("type", "string"), "code", map("type", "string"), "message", map("type", "string")))),
            "incident", map("type", "string", "description", "finds the failure in the logs (500 only)"))),
        "run_id", map("type", "string", "description", "the run the request started, when there is one"))));
    s.put("RunRecord", map("type", "object", "required", List.of("run_id", "workflow", "status"), "properties", map(
        "run_id", map("type", "string"), "workflow", map("type", "string"), "definition_version", map("type", "string"),
        "trigger", map("type", "string"), "caller", map("type", "string"), "status", map("type", "string"),
        "started_at", map("type", "string"), "ended_at", map("type", List.of("string", "null")),
        "steps", map("type", "array", "items", map("type", "object", "required", List.of("index", "action", "status"))))));
    s.put("ScheduledRun", map("type", "object", "required", List.of("id", "workflow", "status"), "properties", map(
        "id", map("type", "string"), "kind", map("type", "string"), "workflow", map("type", "string"),
        "params", map("type", "object"), "due_at", map("type", "string"), "status", map("type", "string"),
        "scheduled_by", map("type", "string"), "chain_id", map("type", "string"), "created_at", map("type", "string"),
        "run_id", map("type", "string"), "error", map("type", "object"), "finished_at", map("type", "string"),
        "iteration", map("type", "integer"), "cancelled", map("type", "boolean", "description", "DELETE only: whether it was cancelled now"))));
    s.put("BatchJob", map("type", "object", "required", List.of("id", "workflow", "status", "done", "failed"), "properties", map(
        "id", map("type", "string"), "workflow", map("type", "string"), "status", map("type", "string"),
        "total", map("type", "integer"), "total_final", map("type", "boolean"), "done", map("type", "integer"),
        "failed", map("type", "integer"), "remaining", map("type", "integer"), "batch_size", map("type", "integer"),
        "rate", map("type", List.of("number", "null")), "eta", map("type", "string"), "eta_not_before", map("type", "string"),
        "failures", map("type", "array", "items", map("type", "object", "properties", map("scheduled_run_id", map("type", "string"),
            "item", map(), "error", map("type", "object")))),
        "more_failures", map("type", "boolean"))));
    return s;
  }

  private static Map<String, Object> securitySchemes(Workflows workflows, java.util.function.Predicate<WorkflowDefinition> include) {
    Map<String, Object> schemes = new LinkedHashMap<>();
    schemes.put("apiKey", map("type", "http", "scheme", "bearer",
        "description", "An API key (bwk_…): Authorization: Bearer <key>. Admin routes need an admin key."));
    schemes.put("userToken", map("type", "http", "scheme", "bearer", "bearerFormat", "JWT",
        "description", "An end user's token from the identity provider the stack trusts (auth: user)"));
    for (WorkflowDefinition wf : new TreeMap<>(workflows.byName()).values()) {
      if (wf.trigger().kind() == Trigger.Kind.API && wf.trigger().auth() == Trigger.Auth.SIGNATURE && include.test(wf)) {
        Trigger.Signature sig = wf.trigger().signature();
        schemes.put(signatureScheme(wf), map("type", "apiKey", "in", "header", "name", Signatures.headerName(sig),
            "description", "A " + sig.scheme() + " signature of the body by the sender"));
      }
    }
    return schemes;
  }

  private static String signatureScheme(WorkflowDefinition wf) {
    return "signature_" + wf.name().replace('-', '_');
  }

  private static Map<String, Object> pathParam(String name) {
    return map("name", name, "in", "path", "required", true, "schema", map("type", "string"));
  }

  private static Map<String, Object> query(String name, Map<String, Object> schema, String description) {
    return map("name", name, "in", "query", "required", false, "schema", schema, "description", description);
  }

  private static Map<String, Object> json(Object schema) {
    return map("application/json", map("schema", schema));
  }

  private static Map<String, Object> ref(String schema) {
    return map("$ref", "#/components/schemas/" + schema);
  }

  /** An ordered map of alternating keys and values. */
  static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
