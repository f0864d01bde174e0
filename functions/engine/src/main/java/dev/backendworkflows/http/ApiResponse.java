package dev.backendworkflows.http;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.ErrorInfo;
import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response with a JSON body. */
public record ApiResponse(int status, Map<String, String> headers, String body) {

  public static ApiResponse json(int status, Object body) {
    return new ApiResponse(status, Map.of("content-type", "application/json"), Json.write(body));
  }

  /** The project's error envelope: {@code {"error":{"code","message","fields"}}}, plus the run id when a run exists. */
  public static ApiResponse error(int status, ErrorInfo error, String runId) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("code", error.code());
    e.put("message", error.message());
    e.put("fields", error.fields());
    if (error.incident() != null) {
      e.put("incident", error.incident());
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e);
    if (runId != null) {
      body.put("run_id", runId);
    }
    return json(status, body);
  }

  public static ApiResponse error(int status, String code, String message) {
    return error(status, new ErrorInfo(code, message), null);
  }

  public ApiResponse withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    return new ApiResponse(status, h, body);
  }
}
