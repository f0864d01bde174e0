package dev.backendworkflows.aws.lambda;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;

/** Feeds events to the handler the way Lambda does: JSON bytes in, JSON bytes out. */
final class HandlerCalls {
  static final String SAMPLE_KEY = "bwk_sample_key_replace_me";

  private HandlerCalls() {}

  static JsonNode invoke(WorkflowFunctionHandler handler, String eventJson) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      handler.handleRequest(new ByteArrayInputStream(eventJson.getBytes(StandardCharsets.UTF_8)), out, null);
      JsonNode answer = Json.MAPPER.readTree(out.toByteArray());
      if (answer.has("statusCode")) {
        dev.backendworkflows.testutils.ErrorBodies.record(answer.path("statusCode").asInt(), answer.path("body").asText());
      } else if ("bad_event".equals(answer.path("status").asText())) {
        dev.backendworkflows.testutils.ErrorBodies.recordInvocationError(answer.toString());
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sampleEvent(String file) {
    try {
      return Files.readString(Fixtures.projectRoot().resolve("events").resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Path eventsDir() {
    return Fixtures.projectRoot().resolve("events");
  }

  static String getEvent(String path, String key) {
    return getEvent(path, "", key);
  }

  static String getEvent(String path, String rawQuery, String key) {
    return Json.write(HttpApiEvents.event("GET", path, rawQuery, Map.of("authorization", "Bearer " + key), null,
        "127.0.0.1", "t", Instant.now()));
  }
}
