package dev.backendworkflows.testutils;

import dev.backendworkflows.execution.Invocation;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;

/** The HTTP API as tests call it: every answer goes on to {@link ErrorBodies}. */
public final class TestApi {
  private final HttpApi http;

  public TestApi(HttpApi http) {
    this.http = http;
  }

  /** The API itself, for what takes one (a Lambda handler). */
  public HttpApi http() {
    return http;
  }

  public ApiResponse handle(ApiRequest request) {
    ApiResponse r = http.handle(request);
    ErrorBodies.record(r.status(), r.body());
    return r;
  }

  public ApiResponse handle(ApiRequest request, Invocation invocation) {
    ApiResponse r = http.handle(request, invocation);
    ErrorBodies.record(r.status(), r.body());
    return r;
  }
}
