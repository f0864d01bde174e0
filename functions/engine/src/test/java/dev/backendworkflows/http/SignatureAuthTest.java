package dev.backendworkflows.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Webhooks as providers send them: signed bodies (Stripe's scheme and a generic header), and more fields than declared. */
class SignatureAuthTest {
  private static final String SECRET = "whsec_test_0123456789";
  private final Fixtures.Stack stack = new Fixtures.Stack(Fixtures.workflows(
      "stripe-hook.yaml", """
          name: stripe-hook
          trigger:
            api:
              auth: signature
              signature: { scheme: stripe, secret: stripe_webhook }
          secrets: [stripe_webhook]
          extra_parameters: ignore
          idempotency_key: "{% $params.id %}"
          parameters:
            id: { type: text, required: true }
            type: { type: text, required: true }
          steps:
            - { action: return, data: { event: "{% $params.type %}", caller: "{% $run.trigger %}" } }
          """,
      "generic-hook.yaml", """
          name: generic-hook
          trigger:
            api:
              auth: signature
              signature: { scheme: hmac-sha256, secret: partner_secret, header: X-Signature, timestamp_header: X-Timestamp, tolerance_s: 60 }
          secrets: [partner_secret]
          parameters:
            order: { type: text, required: true }
          steps:
            - { action: return, data: "{% $params.order %}" }
          """,
      "plain-hook.yaml", """
          name: plain-hook
          trigger:
            api:
              auth: signature
              signature: { scheme: hmac-sha256, secret: partner_secret, header: X-Hub-Signature-256 }
          secrets: [partner_secret]
          idempotency_key: "{% $params.order %}"
          parameters:
            order: { type: text, required: true }
          steps:
            - { action: return, data: "{% $params.order %}" }
          """));

  {
    stack.secretEnv.put("BW_SECRET_STRIPE_WEBHOOK", SECRET);
    stack.secretEnv.put("BW_SECRET_PARTNER_SECRET", "partner-s3cret");
  }

  private static String sign(String secret, String content) {
    return HexFormat.of().formatHex(Signatures.hmac(secret, content));
  }

  private ApiResponse post(String path, String body, Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>(Map.of("content-type", "application/json"));
    extra.forEach((k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), v));
    return stack.api.handle(new ApiRequest("POST", path, headers, Map.of(), body, "r"));
  }

  private static String code(ApiResponse r) {
    return Json.tree(r.body()).path("error").path("code").asText();
  }

  @Test
  void stripeSignaturesAreCheckedForBodyTimeAndSecret() {
    String body = "{\"id\":\"evt_1\",\"type\":\"invoice.paid\",\"object\":\"event\",\"livemode\":false}";
    long now = stack.clock.instant().getEpochSecond();
    String good = "t=" + now + ",v1=" + sign(SECRET, now + "." + body);
    ApiResponse ok = post("/wf/stripe-hook", body, Map.of("Stripe-Signature", good));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    assertThat(Json.tree(ok.body()).path("response").path("event").asText()).isEqualTo("invoice.paid");
    // Stripe retries a delivery: the event id is the idempotency key, so it runs once
    assertThat(post("/wf/stripe-hook", body, Map.of("Stripe-Signature", good)).headers()).containsEntry("idempotent-replayed", "true");

    ApiResponse tampered = post("/wf/stripe-hook", body.replace("invoice.paid", "invoice.voided"), Map.of("Stripe-Signature", good));
    ApiResponse stale = post("/wf/stripe-hook", body, Map.of("Stripe-Signature", "t=" + (now - 301) + ",v1="
        + sign(SECRET, (now - 301) + "." + body)));
    ApiResponse wrongSecret = post("/wf/stripe-hook", body, Map.of("Stripe-Signature", "t=" + now + ",v1=" + sign("other", now + "." + body)));
    ApiResponse missing = post("/wf/stripe-hook", body, Map.of());
    ApiResponse garbled = post("/wf/stripe-hook", body, Map.of("Stripe-Signature", "v1=zz"));
    for (ApiResponse r : new ApiResponse[] {tampered, stale, wrongSecret, missing, garbled}) {
      assertThat(r.status()).as(r.body()).isEqualTo(401);
      assertThat(code(r)).isEqualTo("invalid_signature");
      assertThat(r.body()).doesNotContain(SECRET);
    }
    assertThat(Json.tree(stale.body()).path("error").path("message").asText()).contains("replay");
    ApiResponse rotated = post("/wf/stripe-hook", body.replace("evt_1", "evt_2"), Map.of("Stripe-Signature", "t=" + now
        + ",v1=" + sign("old-secret", now + "." + body.replace("evt_1", "evt_2")) + ",v1=" + sign(SECRET, now + "." + body.replace("evt_1", "evt_2"))));
    assertThat(rotated.status()).as("any v1 may match, as during a secret rotation").isEqualTo(200);
  }

  @Test
  void aGenericHeaderSignatureWithAndWithoutATimestamp() {
    String body = "{\"order\":\"o-7\"}";
    long now = stack.clock.instant().getEpochSecond();
    ApiResponse ok = post("/wf/generic-hook", body, Map.of("X-Timestamp", Long.toString(now),
        "X-Signature", sign("partner-s3cret", now + "." + body)));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);
    ApiResponse replay = post("/wf/generic-hook", body, Map.of("X-Timestamp", Long.toString(now - 120),
        "X-Signature", sign("partner-s3cret", (now - 120) + "." + body)));
    assertThat(replay.status()).isEqualTo(401);
    ApiResponse unsigned = post("/wf/generic-hook", body, Map.of("X-Timestamp", Long.toString(now)));
    assertThat(code(unsigned)).isEqualTo("invalid_signature");

    ApiResponse github = post("/wf/plain-hook", body, Map.of("X-Hub-Signature-256", "sha256=" + sign("partner-s3cret", body)));
    assertThat(github.status()).as(github.body()).isEqualTo(200);
    // no signed time: a replay is caught by the idempotency key, and gets the first run's answer
    ApiResponse replayed = post("/wf/plain-hook", body, Map.of("X-Hub-Signature-256", "sha256=" + sign("partner-s3cret", body)));
    assertThat(Json.tree(replayed.body()).path("run_id")).isEqualTo(Json.tree(github.body()).path("run_id"));
    assertThat(stack.runs.query(new dev.backendworkflows.runlog.RunQuery("plain-hook", null, 10, null)).runs()).hasSize(1);
    assertThat(post("/wf/plain-hook", "{\"order\":\"o-8\"}", Map.of("X-Hub-Signature-256", "sha256=" + sign("partner-s3cret", body)))
        .status()).isEqualTo(401);
  }

  @Test
  void aSignatureWithoutSignedTimeNeedsAnIdempotencyKey() {
    var e = org.assertj.core.api.Assertions.catchThrowableOfType(dev.backendworkflows.exceptions.DefinitionException.class,
        () -> Fixtures.workflows("replayable.yaml", """
            name: replayable
            trigger:
              api:
                auth: signature
                signature: { scheme: hmac-sha256, secret: partner_secret, header: X-Hub-Signature-256 }
            secrets: [partner_secret]
            steps:
              - { action: return }
            """));
    assertThat(e.getMessage()).contains("replayable.yaml: trigger.api.signature: without timestamp_header a captured request "
        + "stays validly signed forever");
  }

  @Test
  void withoutItsSecretASignedWorkflowAnswersAnIncidentNotTheCallersFault() {
    stack.secretEnv.clear();
    ApiResponse r = post("/wf/plain-hook", "{\"order\":\"o\"}", Map.of("X-Hub-Signature-256", "sha256=00"));
    assertThat(r.status()).isEqualTo(500);
    assertThat(Json.tree(r.body()).path("error").path("incident").asText()).startsWith("inc-");
  }

  @Test
  void undeclaredFieldsAreDroppedOnlyWhereTheWorkflowSaysSo() {
    long now = Instant.now().getEpochSecond();
    stack.clock.advance(java.time.Duration.between(stack.clock.instant(), Instant.ofEpochSecond(now)));
    String body = "{\"order\":\"o-9\",\"note\":\"extra\"}";
    ApiResponse strict = post("/wf/plain-hook", body, Map.of("X-Hub-Signature-256", "sha256=" + sign("partner-s3cret", body)));
    assertThat(strict.status()).isEqualTo(400);
    assertThat(Json.tree(strict.body()).path("error").path("fields").get(0).path("code").asText()).isEqualTo("unknown_parameter");
  }
}
