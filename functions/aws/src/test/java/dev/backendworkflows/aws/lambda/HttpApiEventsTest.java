package dev.backendworkflows.aws.lambda;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.internal.Json;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HttpApiEventsTest {

  @Test
  void builtEventParsesBackToTheSameRequest() {
    Map<String, Object> event = HttpApiEvents.event("post", "/wf/x", "a=1&a=2&b=%20c",
        Map.of("Content-Type", "application/json", "Authorization", "Bearer k"), "{\"p\":1}", "10.0.0.1", "rid", Instant.EPOCH);
    ApiRequest request = HttpApiEvents.request(Json.MAPPER.valueToTree(event));
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.path()).isEqualTo("/wf/x");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    assertThat(request.query()).isEqualTo(Map.of("a", "1,2", "b", " c"));
    assertThat(request.body()).isEqualTo("{\"p\":1}");
    assertThat(request.requestId()).isEqualTo("rid");
  }

  @Test
  void base64BodiesAreDecoded() {
    Map<String, Object> event = new java.util.LinkedHashMap<>(HttpApiEvents.event("POST", "/wf/x", "", Map.of(), null, "ip", "r", Instant.EPOCH));
    event.put("body", Base64.getEncoder().encodeToString("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8)));
    event.put("isBase64Encoded", true);
    assertThat(HttpApiEvents.request(Json.MAPPER.valueToTree(event)).body()).isEqualTo("{\"a\":\"é\"}");
  }

  @Test
  void payloadVersionOneIsRefused() {
    assertThatThrownBy(() -> HttpApiEvents.request(Json.tree("{\"version\":\"1.0\",\"httpMethod\":\"POST\"}")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("payload format version 2.0");
  }
}
