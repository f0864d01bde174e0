package dev.backendworkflows.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.http.ErrorCodes;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.testutils.Fixtures;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI 3.1 document the runner serves for the shipped workflows, checked by swagger-parser
 * (a maintained OpenAPI validator) and against the definitions it is generated from.
 */
class OpenApiDocumentTest {
  private static String served() throws Exception {
    try (LocalRunner runner = new LocalRunner(LocalRunner.Options.parse("--port", "0", "--workflows",
        Fixtures.shippedWorkflows().toString(), "--api-key", "bwk_test"), Clock.systemUTC())) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(runner.url() + "/openapi.json"))
          .header("authorization", "Bearer bwk_test").build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      return r.body();
    }
  }

  @Test
  void servedDocument_isValidOpenApi31_andListsEveryApiWorkflow() throws Exception {
    String body = served();
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(body, null, options);
    assertThat(result.getMessages()).as("validator messages").isEmpty();
    OpenAPI api = result.getOpenAPI();
    assertThat(api.getOpenapi()).isEqualTo("3.1.0");
    Workflows shipped = new DefinitionLoader().load(Fixtures.shippedWorkflows());
    List<String> apiWorkflows = shipped.byName().values().stream().filter(w -> w.trigger().kind() == Trigger.Kind.API)
        .map(WorkflowDefinition::name).toList();
    assertThat(apiWorkflows).isNotEmpty();
    for (String name : apiWorkflows) {
      assertThat(api.getPaths()).containsKey("/wf/" + name);
      assertThat(api.getPaths().get("/wf/" + name).getPost().getRequestBody().getContent()).containsKey("application/json");
    }
    assertThat(api.getPaths().keySet().stream().filter(p -> p.startsWith("/wf/")).toList()).hasSize(apiWorkflows.size());
    for (String route : dev.backendworkflows.http.OpenApi.ADMIN_ROUTES) {
      String[] parts = route.split(" ");
      assertThat(api.getPaths()).as(route).containsKey(parts[1]);
      assertThat(api.getPaths().get(parts[1]).readOperationsMap().keySet().stream().map(Enum::name)).as(route).contains(parts[0]);
    }
    assertThat(api.getComponents().getSecuritySchemes()).containsKeys("apiKey", "userToken");
  }

  @Test
  void requestSchema_followsTheDeclaredParameters() throws Exception {
    JsonNode doc = Json.tree(served());
    JsonNode onboard = doc.at("/paths/~1wf~1onboard-user/post");
    JsonNode schema = onboard.at("/requestBody/content/application~1json/schema");
    assertThat(schema.path("required").findValuesAsText("")).isEmpty();
    assertThat(schema.path("required").toString()).contains("email").contains("name");
    assertThat(schema.at("/properties/email/type").asText()).isEqualTo("string");
    assertThat(schema.at("/properties/tags/type").asText()).isEqualTo("array");
    assertThat(schema.path("additionalProperties").asBoolean()).isFalse();
    assertThat(onboard.at("/security/0").has("apiKey")).isTrue();
    JsonNode response = onboard.at("/responses/200/content/application~1json/schema/properties/response");
    assertThat(response.path("properties").has("user_id")).isTrue();
    assertThat(response.path("properties").has("created")).isTrue();
    for (String status : new String[] {"400", "401", "403", "404", "409", "413", "415", "422", "500", "503"}) {
      assertThat(onboard.at("/responses/" + status + "/content/application~1json/schema/$ref").asText()).as(status)
          .isEqualTo("#/components/schemas/Error");
    }
  }

  @Test
  void errorCodes_areEveryCodeOfErrorCodes() throws Exception {
    JsonNode doc = Json.tree(served());
    assertThat(doc.path("x-error-codes").findValuesAsText("code"))
        .containsExactlyElementsOf(ErrorCodes.ALL.stream().map(ErrorCodes.Code::code).toList());
    assertThat(doc.at("/components/schemas/Error/properties/error/required").toString()).contains("code", "message", "fields");
  }

  @Test
  void readme_namesEveryErrorCode() throws Exception {
    String readme = java.nio.file.Files.readString(Fixtures.projectRoot().resolve("README.md"));
    for (ErrorCodes.Code code : ErrorCodes.ALL) {
      assertThat(readme).as("the README names " + code.code() + " in code quotes")
          .containsPattern("`[^`]*\\b" + code.code() + "\\b[^`]*`");
    }
  }

  @Test
  void signedWorkflows_giveAValidDocument(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Files.copy(Fixtures.shippedWorkflows().resolve("data-schema.yaml"), dir.resolve("data-schema.yaml"));
    java.nio.file.Files.writeString(dir.resolve("stripe-hook.yaml"), """
        name: stripe-hook
        trigger:
          api:
            auth: signature
            signature: { scheme: stripe, secret: stripe_webhook }
        secrets: [stripe_webhook]
        extra_parameters: ignore
        steps:
          - { action: return, data: ok }
        """);
    java.nio.file.Files.writeString(dir.resolve("partner-hook.yaml"), """
        name: partner-hook
        trigger:
          api:
            auth: signature
            signature: { scheme: hmac-sha256, secret: partner_secret, header: X-Signature, timestamp_header: X-Timestamp }
        secrets: [partner_secret]
        parameters:
          order: { type: text, required: true }
        steps:
          - { action: return }
        """);
    Workflows wfs = new DefinitionLoader().load(dir);
    String doc = Json.write(dev.backendworkflows.http.OpenApi.document(wfs, "test"));
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(doc, null, new ParseOptions());
    assertThat(result.getMessages()).as("validator messages").isEmpty();
    assertThat(result.getOpenAPI().getComponents().getSecuritySchemes().get("signature_stripe_hook").getName()).isEqualTo("Stripe-Signature");
    assertThat(result.getOpenAPI().getComponents().getSecuritySchemes().get("signature_partner_hook").getName()).isEqualTo("X-Signature");
    assertThat(doc).doesNotContain("stripe_webhook").doesNotContain("partner_secret");
  }

  @Test
  void buildWritesTheSameDocument() throws Exception {
    java.nio.file.Path built = Fixtures.projectRoot().resolve("functions/aws/target/openapi.json");
    assertThat(built).as("written by DefinitionCheck when the artifact is built").exists();
    JsonNode file = Json.tree(java.nio.file.Files.readString(built));
    JsonNode live = Json.tree(served());
    assertThat(file.path("paths")).isEqualTo(live.path("paths"));
    assertThat(file.path("info").path("version")).isEqualTo(live.path("info").path("version"));
  }
}
