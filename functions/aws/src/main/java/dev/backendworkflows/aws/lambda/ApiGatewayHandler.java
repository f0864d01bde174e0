package dev.backendworkflows.aws.lambda;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The one Lambda handler of every API function: takes an API Gateway HTTP API (payload 2.0) event
 * and answers it. Which workflow a function serves comes from its environment ({@code WORKFLOW_NAME}).
 */
public final class ApiGatewayHandler implements RequestStreamHandler {
  private final HttpApi api;

  /** Used by Lambda: builds everything from the environment, once per execution environment. */
  public ApiGatewayHandler() {
    this(AwsRuntime.fromEnvironment(System.getenv()));
  }

  /** Used by the local runner and tests, with their own adapters. */
  public ApiGatewayHandler(HttpApi api) {
    this.api = api;
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    ApiResponse response;
    try {
      JsonNode event = Json.MAPPER.readTree(input);
      ApiRequest request = HttpApiEvents.request(event);
      response = api.handle(request);
    } catch (IOException | IllegalArgumentException e) {
      response = ApiResponse.error(400, "bad_event", "Not an API Gateway HTTP API v2 event: " + e.getMessage());
    }
    Json.MAPPER.writeValue(output, HttpApiEvents.response(response));
  }
}
