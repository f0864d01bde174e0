package dev.backendworkflows.bench;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The floor for cold start and jar size: a Lambda handler that builds the same DynamoDB client as
 * the product (URL-connection HTTP client, region and endpoint from the environment) and reads one
 * item per event. Nothing a real workflow needs is here.
 */
public final class HelloWorldHandler implements RequestStreamHandler {
  private final DynamoDbClient dynamo;
  private final String table = System.getenv().getOrDefault("API_KEYS_TABLE", "backend-workflows-api-keys");

  public HelloWorldHandler() {
    var builder = DynamoDbClient.builder().httpClient(UrlConnectionHttpClient.create())
        .region(Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1")));
    String endpoint = System.getenv("AWS_ENDPOINT_URL");
    if (endpoint != null && !endpoint.isBlank()) {
      builder.endpointOverride(URI.create(endpoint));
    }
    dynamo = builder.build();
  }

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    input.readAllBytes();
    var item = dynamo.getItem(b -> b.tableName(table).key(Map.of("key_hash", AttributeValue.fromS("hello")))).item();
    output.write(("{\"statusCode\":200,\"body\":\"{\\\"found\\\":" + (item != null && !item.isEmpty()) + "}\"}")
        .getBytes(StandardCharsets.UTF_8));
  }
}
