package dev.backendworkflows.aws.lambda;

import dev.backendworkflows.auth.ApiKeys;
import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.RunRequest;
import dev.backendworkflows.engine.Services;
import dev.backendworkflows.engine.WorkflowEngine;
import dev.backendworkflows.engine.actions.ActionRegistry;
import dev.backendworkflows.http.ApiRequest;
import dev.backendworkflows.http.ApiResponse;
import dev.backendworkflows.http.HttpApi;
import dev.backendworkflows.internal.Json;
import dev.backendworkflows.internal.StructuredLog;
import java.time.Clock;
import java.util.Map;

/**
 * SnapStart priming: before Lambda snapshots an initialised function, a dry run of the function's
 * workflow (its {@code example} parameters) on in-memory stores — through the HTTP API for an API
 * workflow — loads and compiles what the first request uses (routing, Jackson, parameter binding,
 * JSONata, the actions), and one read of an unknown key warms the DynamoDB client's request path.
 * Other API workflows (end users', signed webhooks') and scheduled ones run straight on the engine.
 * The dry run changes nothing outside this JVM: its stores are maps, its email an in-memory outbox,
 * its scheduler holds what it is given, and its outbound HTTP answers 503 without calling out.
 */
final class Priming {
  /** The unknown key the priming read looks up; never issued (keys are {@code bwk_} and 32 random characters). */
  static final String UNKNOWN_KEY = "bwk_priming_not_a_key";

  private Priming() {}

  /**
   * Primes the function of {@code workflow}, with its log lines left out (nobody should read a dry
   * run's). The unknown key is read only by a function whose workflow takes API keys (the others
   * may not read the key table).
   *
   * @return what the dry run answered (for tests); never throws: priming is best effort
   */
  static String prime(Workflows workflows, String workflow, ApiKeys keys) {
    String[] answer = {"no workflow"};
    StructuredLog.muted(() -> answer[0] = primeQuietly(workflows, workflow, keys));
    return answer[0];
  }

  private static String primeQuietly(Workflows workflows, String workflow, ApiKeys keys) {
    WorkflowDefinition wf = workflow == null ? null : workflows.get(workflow).orElse(null);
    if (wf == null) {
      return "no workflow";
    }
    boolean api = wf.trigger().kind() == Trigger.Kind.API;
    if (api && wf.trigger().auth() == Trigger.Auth.API_KEY) {
      try {
        keys.authenticate(UNKNOWN_KEY);
      } catch (RuntimeException e) {
        // the table may be unreachable at init: the first request will say so
      }
    }
    try {
      Clock clock = Clock.systemUTC();
      Services dry = Services.inMemory(clock, "priming");
      WorkflowEngine engine = new WorkflowEngine(workflows, dry, ActionRegistry.builtIn());
      Map<String, Object> example = wf.example() == null ? Map.of() : wf.example();
      if (api && wf.trigger().auth() == Trigger.Auth.API_KEY) {
        ApiKeys dryKeys = new ApiKeys(new MapApiKeyStore(), clock);
        String key = dryKeys.issue("priming", true);
        ApiResponse response = new HttpApi(engine, dry.runs(), dryKeys, new HttpApi.Routes.Workflow(workflow)).handle(new ApiRequest("POST",
            "/wf/" + workflow, Map.of("authorization", "Bearer " + key, "content-type", "application/json"), Map.of(),
            Json.write(example), "priming"));
        return response.status() + " " + response.body();
      }
      return engine.run(new RunRequest(workflow, example, "priming", "priming")).record().status().wire();
    } catch (RuntimeException | StackOverflowError | LinkageError e) { // never the snapshot's failure: a dry run is optional
      return "failed: " + e.getClass().getSimpleName();
    }
  }
}
