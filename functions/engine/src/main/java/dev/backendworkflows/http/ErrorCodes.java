package dev.backendworkflows.http;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Every error code the HTTP API answers with, its status and what it means: the one list the
 * OpenAPI document publishes. ErrorBodyScan fails a test class whose answers carry a code (with its
 * status) missing here; a failed run's 422 carries its step's own code, which is not listed.
 */
public final class ErrorCodes {
  /** One error code of the envelope {@code {"error":{"code","message","fields"}}}. */
  public record Code(String code, int status, String meaning) {}

  /** Every code, by status. */
  public static final List<Code> ALL = List.of(
      new Code("malformed_json", 400, "the body is not JSON, or not a JSON object"),
      new Code("invalid_utf8", 400, "the body is not valid UTF-8"),
      new Code("invalid_parameters", 400, "parameters do not bind to the workflow's declared parameters; fields names each"),
      new Code("params_too_large", 400, "the parameters are larger than a run may keep"),
      new Code("invalid_query", 400, "a query parameter is not valid; fields names it"),
      new Code("invalid_body", 400, "an admin request's body is not what the route takes; fields names each field"),
      new Code("idempotency_key_missing", 400, "the workflow's idempotency_key evaluated to nothing"),
      new Code("invalid_idempotency_key", 400, "the Idempotency-Key header is empty or longer than 255 characters"),
      new Code("unauthorized", 401, "no API key, an unknown one, or (auth: user) no valid token"),
      new Code("invalid_signature", 401, "a signed workflow's request is not signed by its sender"),
      new Code("forbidden", 403, "the key may not call this workflow, or is not an admin key"),
      new Code("forbidden_by_privacy", 403, "the data schema's privacy rules do not allow the caller this"),
      new Code("not_found", 404, "no such route"),
      new Code("unknown_workflow", 404, "no API workflow of that name"),
      new Code("run_not_found", 404, "no run with that id"),
      new Code("schedule_not_found", 404, "no scheduled run with that id"),
      new Code("chain_not_found", 404, "no chain with that id"),
      new Code("batch_not_found", 404, "no batch job with that id"),
      new Code("key_not_found", 404, "no API key of that name"),
      new Code("recurring_not_found", 404, "no recurring event with that id"),
      new Code("method_not_allowed", 405, "the route does not take this method (the Allow header lists those it does)"),
      new Code("run_in_progress", 409, "another attempt holds the run"),
      new Code("idempotency_key_in_progress", 409, "the run this idempotency key started is still running"),
      new Code("run_not_failed", 409, "only failed runs can be retried"),
      new Code("run_not_retryable", 409, "the run cannot be continued (a custom event, or no journal)"),
      new Code("part_of_batch", 409, "the chain is a batch job's: use /batches/{id}"),
      new Code("schedule_not_failed", 409, "only a failed scheduled run can be retried"),
      new Code("batch_not_running", 409, "only a running batch job can be paused"),
      new Code("batch_not_paused", 409, "only a paused batch job can be resumed"),
      new Code("batch_ended", 409, "the batch job has ended"),
      new Code("batch_not_done", 409, "a batch job's failures are retried once it has ended"),
      new Code("key_exists", 409, "an API key of that name exists; revoke it first"),
      new Code("body_too_large", 413, "the body is larger than 256 KiB"),
      new Code("unsupported_media_type", 415, "the body is not application/json"),
      new Code("idempotency_key_reused", 422, "the idempotency key was used with other parameters"),
      new Code("bad_request", 400, "local runner: a request HTTP cannot parse (on AWS, API Gateway answers it)"),
      new Code("headers_too_large", 431, "local runner: headers over API Gateway's 10 KiB (on AWS, API Gateway answers it)"),
      new Code("http_version_not_supported", 505, "local runner: an HTTP version it does not serve"),
      new Code("uri_too_long", 414, "local runner: a request line over API Gateway's limit (on AWS, API Gateway answers it)"),
      new Code("upgrade_required", 426, "local runner: an HTTP/2 request (it serves HTTP/1.1)"),
      new Code("bad_event", 400, "a function invoked directly (not through API Gateway) with an event it does not take"),
      new Code("internal_error", 500, "the request failed unexpectedly; the incident id finds it in the logs"),
      new Code("run_interrupted", 503, "a platform fault interrupted the run; it continues automatically"));

  /** The codes by name. */
  public static final Map<String, Code> BY_CODE = ALL.stream().collect(Collectors.toUnmodifiableMap(Code::code, Function.identity()));

  private ErrorCodes() {}
}
