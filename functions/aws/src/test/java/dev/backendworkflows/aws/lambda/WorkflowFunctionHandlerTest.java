package dev.backendworkflows.aws.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The shipped sample events, fed to the real handler over the local adapters. */
class WorkflowFunctionHandlerTest {
  // as deployed: api_call reaches public addresses only
  private final Fixtures.Stack stack = new Fixtures.Stack(new DefinitionLoader().load(Fixtures.shippedWorkflows()),
      dev.backendworkflows.testutils.MutableClock.at("2026-03-01T09:00:00Z"), null, dev.backendworkflows.outbound.OutboundPolicy.PUBLIC_ONLY);
  private final WorkflowFunctionHandler handler = new WorkflowFunctionHandler(stack.api.http(), stack.deliveries);

  {
    stack.keys.register(HandlerCalls.SAMPLE_KEY, "sample", true);
  }

  @Test
  void everySampleEventGetsARunAndAJsonAnswer() throws IOException {
    List<Path> events;
    try (Stream<Path> s = Files.list(HandlerCalls.eventsDir())) {
      events = s.filter(p -> p.getFileName().toString().startsWith("api-")).sorted().toList();
    }
    assertThat(events).isNotEmpty();
    for (Path event : events) {
      JsonNode response = HandlerCalls.invoke(handler, Files.readString(event));
      int status = response.path("statusCode").asInt();
      JsonNode body = Json.tree(response.path("body").asText());
      assertThat(status).as(event.getFileName() + ": " + body).isIn(200, 422);
      assertThat(body.path("run_id").asText()).as(event.getFileName().toString()).isNotEmpty();
      if (status == 422) { // only the API-integration sample fails: its placeholder URL is on localhost, which is refused
        assertThat(event.getFileName().toString()).isEqualTo("api-fetch-exchange-rate.json");
        assertThat(body.path("error").path("code").asText()).isEqualTo("destination_not_allowed");
      }
    }
  }

  @Test
  void onboardingSampleCreatesTheUserAndTheRunShowsEveryStep() {
    JsonNode response = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("api-onboard-user.json"));
    JsonNode body = Json.tree(response.path("body").asText());
    assertThat(response.path("statusCode").asInt()).isEqualTo(200);
    assertThat(response.path("headers").path("x-run-id").asText()).isEqualTo(body.path("run_id").asText());
    assertThat(body.path("response").path("created").asBoolean()).isTrue();
    JsonNode run = Json.tree(HandlerCalls.invoke(handler, HandlerCalls.getEvent("/runs/" + body.path("run_id").asText(),
        HandlerCalls.SAMPLE_KEY)).path("body").asText());
    assertThat(run.path("steps").valueStream().map(st -> st.path("action").asText()).toList())
        .containsExactly("search_things", "create_thing", "return", "terminate", "send_email", "schedule_workflow");
    assertThat(run.path("steps").valueStream().map(st -> st.path("status").asText()).toList())
        .containsExactly("succeeded", "succeeded", "succeeded", "skipped", "succeeded", "succeeded");
    assertThat(stack.outbox.sent()).extracting(s -> s.email().subject()).containsExactly("Welcome, Ada Lovelace!");
    assertThat(stack.schedules.list(dev.backendworkflows.schedule.ScheduleStatus.PENDING, "onboarding-step", 10, null).runs()).hasSize(1);
  }

  @Test
  void importOrdersSample_whenSentAgain_countsOnceAndAddsUpOtherImports() {
    JsonNode first = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("api-import-orders.json"));
    JsonNode again = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("api-import-orders.json"));
    assertThat(again.path("headers").path("idempotent-replayed").asText()).isEqualTo("true");
    assertThat(again.path("body").asText()).isEqualTo(first.path("body").asText());
    JsonNode replayed = Json.tree(again.path("body").asText());
    assertThat(replayed.path("response").path("day_total").path("order_count").asInt()).isEqualTo(2);
    String otherImport = HandlerCalls.sampleEvent("api-import-orders.json").replace("shop-export-2026-11-25-a", "shop-export-2026-11-25-b");
    JsonNode second = Json.tree(HandlerCalls.invoke(handler, otherImport).path("body").asText());
    assertThat(second.path("response").path("paid").asInt()).isEqualTo(2);
    assertThat(second.path("response").path("skipped").asInt()).isEqualTo(1);
    assertThat(second.path("response").path("day_total").path("order_count").asInt()).isEqualTo(4);
    assertThat(second.path("response").path("day_total").path("amount_cents").asInt()).isEqualTo(2 * (1250 + 4200));
  }

  @Test
  void sampleRecurringFiringRunsOnceAndSampleDeliveryOfAnUnknownRunIsIgnored() {
    JsonNode first = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("recurring-daily-digest.json"));
    JsonNode again = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("recurring-daily-digest.json"));
    assertThat(first.path("ran").asBoolean()).isTrue();
    assertThat(stack.runs.get(first.path("run_id").asText()).orElseThrow().workflow()).isEqualTo("daily-digest");
    assertThat(again.path("ran").asBoolean()).isFalse();
    JsonNode unknown = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("scheduled-run.json"));
    assertThat(unknown.path("ran").asBoolean()).isFalse();
    assertThat(unknown.path("reason").asText()).contains("unknown");
  }

  @Test
  void somethingThatIsNotAnHttpApiEventIsA400NotACrash() {
    JsonNode response = HandlerCalls.invoke(handler, "{\"detail-type\":\"Scheduled Event\"}");
    assertThat(response.path("statusCode").asInt()).isEqualTo(400);
    assertThat(Json.tree(response.path("body").asText()).path("error").path("code").asText()).isEqualTo("bad_event");
    assertThat(HandlerCalls.invoke(handler, "not json").path("statusCode").asInt()).isEqualTo(400);
  }

  @Test
  void malformedDeliveryEventsGetAClearErrorWithoutTouchingATable() {
    stack.faults.arm();
    for (String event : List.of("{\"scheduled_run_id\":\"\"}", "{\"scheduled_run_id\":null}", "{\"scheduled_run_id\":42}",
        "{\"resume_run_id\":\"\"}")) {
      JsonNode response = HandlerCalls.invoke(handler, event);
      assertThat(response.path("status").asText()).as(event).isEqualTo("bad_event");
      assertThat(response.path("ran").asBoolean()).isFalse();
      assertThat(response.path("reason").asText()).as(event).contains("_run_id is empty");
    }
    assertThat(stack.faults.calls()).isEmpty();
  }

  @Test
  void aResumptionOfAnUnknownRunIsIgnored() {
    JsonNode response = HandlerCalls.invoke(handler, HandlerCalls.sampleEvent("resume-run.json"));
    assertThat(response.path("ran").asBoolean()).isFalse();
    assertThat(response.path("reason").asText()).contains("no such run");
  }
}
