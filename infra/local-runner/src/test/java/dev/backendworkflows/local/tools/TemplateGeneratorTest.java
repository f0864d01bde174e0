package dev.backendworkflows.local.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.testutils.Fixtures;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** The workflow functions in template.yaml are generated; this fails when they are stale. */
class TemplateGeneratorTest {
  static final String REGENERATE = "template.yaml is stale: regenerate with ./mvnw -q package -DskipTests exec:java "
      + "-pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.TemplateGenerator";
  private final Workflows shipped = new DefinitionLoader().load(Fixtures.shippedWorkflows());

  @Test
  void templateIsInStepWithTheWorkflows() throws Exception {
    String template = Files.readString(Fixtures.projectRoot().resolve("template.yaml"));
    assertThat(TemplateGenerator.regenerate(template, shipped)).as(REGENERATE).isEqualTo(template);
  }

  @Test
  void aDeliberatelyStaleTemplateIsCaught() throws Exception {
    String template = Files.readString(Fixtures.projectRoot().resolve("template.yaml"));
    String stale = template.replace("WORKFLOW_NAME: import-orders", "WORKFLOW_NAME: import-orderz");
    assertThat(TemplateGenerator.regenerate(stale, shipped)).isNotEqualTo(stale);
    Workflows withNewOne = Fixtures.workflows("brand-new.yaml", "name: brand-new\ntrigger: { api: {} }\nsteps: [ { action: return } ]\n");
    assertThat(TemplateGenerator.regenerate(template, withNewOne)).contains("BrandNewFunction:").contains("Path: /wf/brand-new");
  }

  @Test
  void theJwtAuthorizerIsThereOnlyWhenAWorkflowHasUserAuth() {
    assertThat(TemplateGenerator.section(shipped)).doesNotContain("UserJwt");
    Workflows withUser = Fixtures.workflows("me.yaml", "name: me\ntrigger: { api: { auth: user } }\nsteps: [ { action: return } ]\n",
        "open.yaml", "name: open\ntrigger: { api: { auth: none } }\nsteps: [ { action: return } ]\n");
    String section = TemplateGenerator.section(withUser);
    assertThat(section).contains("UserJwt:").contains("issuer: !Ref JwtIssuer").contains("audience: [!Ref JwtAudience]")
        .contains("Path: /wf/me, Auth: { Authorizer: UserJwt } }").contains("Path: /wf/open }");
  }

  @Test
  void aTemplateWithoutTheMarkersIsAClearError() {
    assertThatThrownBy(() -> TemplateGenerator.regenerate("Resources: {}\n", shipped)).hasMessageContaining(TemplateGenerator.BEGIN);
  }

  @Test
  void logicalIdsAreCamelCase() {
    assertThat(TemplateGenerator.logicalId("onboard-user")).isEqualTo("OnboardUserFunction");
  }

  @Test
  void aFunctionMayReadExactlyTheSecretsItsWorkflowDeclares() throws Exception {
    Workflows workflows = Fixtures.workflows("paid.yaml", """
        name: paid
        trigger: { api: {} }
        secrets: [stripe_key, webhook_secret]
        steps:
          - action: api_call
            url: https://api.example.com/charges
            headers: { Authorization: { secret: stripe_key, prefix: "Bearer " }, X-Sig: { secret: webhook_secret } }
        """, "free.yaml", "name: free\ntrigger: { api: {} }\nsteps:\n  - { action: log, message: hi }\n");
    var resources = dev.backendworkflows.internal.Json.YAML.readTree(TemplateGenerator.section(workflows)
        .replace(TemplateGenerator.BEGIN, "").replace(TemplateGenerator.END, "").replaceAll("!(Sub|Ref|GetAtt) ", ""));
    java.util.List<String> readable = new java.util.ArrayList<>();
    resources.path("PaidFunction").path("Properties").path("Policies").forEach(p -> p.path("Statement").forEach(st -> {
      assertThat(st.path("Action").asText()).isEqualTo("ssm:GetParameter");
      st.path("Resource").forEach(r -> readable.add(r.asText()));
    }));
    assertThat(readable).containsExactly(TemplateGenerator.secretArn("stripe_key"), TemplateGenerator.secretArn("webhook_secret"));
    assertThat(resources.path("FreeFunction").path("Properties").path("Policies").toString()).doesNotContain("ssm:");
  }

  @Test
  void aFunctionMaySendOnlyAsMailFromAndItsDeclaredSenders() throws Exception {
    Workflows workflows = Fixtures.workflows("receipt.yaml", """
        name: receipt
        trigger: { api: {} }
        senders: [Billing@Example.com]
        steps:
          - { action: send_email, to: a@example.com, subject: s, text: t, from: "Billing <billing@example.com>" }
          - { action: send_email, to: a@example.com, subject: s, text: t }
        """, "free.yaml", "name: free\ntrigger: { api: {} }\nsteps:\n  - { action: log, message: hi }\n");
    var resources = dev.backendworkflows.internal.Json.YAML.readTree(TemplateGenerator.section(workflows)
        .replace(TemplateGenerator.BEGIN, "").replace(TemplateGenerator.END, "").replaceAll("!(Sub|Ref|GetAtt) ", ""));
    java.util.List<String> from = new java.util.ArrayList<>();
    resources.path("ReceiptFunction").path("Properties").path("Policies").forEach(p -> p.path("Statement").forEach(st -> {
      assertThat(st.path("Action").asText()).isEqualTo("ses:SendEmail");
      st.path("Condition").path("StringEqualsIgnoreCase").path("ses:FromAddress").forEach(a -> from.add(a.asText()));
    }));
    assertThat(from).containsExactly("MailFrom", "billing@example.com");
    assertThat(resources.path("FreeFunction").path("Properties").path("Policies").toString()).doesNotContain("ses:");
  }
}
