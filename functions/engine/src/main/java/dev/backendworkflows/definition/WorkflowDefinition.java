package dev.backendworkflows.definition;

import java.util.List;
import java.util.Map;

/**
 * A loaded, validated workflow. {@code version} is a hash of its file, recorded with every run so a
 * run log always says which definition ran. {@code example} holds sample parameters (or is empty).
 * {@code maxAttempts} bounds how many attempts a run gets when attempts die (default 3);
 * {@code idempotencyKey}, for webhooks, derives an API run's idempotency key from its parameters;
 * {@code secrets} names the secrets its steps may use (its function may read only those);
 * {@code ignoreExtraParameters} drops undeclared parameters instead of refusing them (webhook providers);
 * {@code senders} are the addresses its {@code send_email} steps may give as {@code from} besides
 * the stage's default sender (its function may send only as those).
 */
public record WorkflowDefinition(String name, String description, Trigger trigger,
    Map<String, ParameterSpec> parameters, Map<String, Object> example, List<StepDefinition> steps, String file,
    String version, FunctionSettings function, int maxIterations, int maxAttempts, int maxFanout,
    dev.backendworkflows.expression.Template idempotencyKey, List<String> secrets, boolean ignoreExtraParameters, List<String> senders) {
  public WorkflowDefinition {
    secrets = secrets == null ? List.of() : List.copyOf(secrets);
    senders = senders == null ? List.of() : List.copyOf(senders);
  }

  /** How many runs a chain of this workflow may have unless it says otherwise. */
  public static final int DEFAULT_MAX_ITERATIONS = 100;
  /** How many runs of its own chain one run may schedule unless the workflow says otherwise. */
  public static final int DEFAULT_MAX_FANOUT = 10;
  /** How many attempts a run gets unless the workflow says otherwise. */
  public static final int DEFAULT_MAX_ATTEMPTS = 3;
  /** API Gateway stops waiting for a function after this long; an API workflow's function may not run longer. */
  public static final int API_TIMEOUT_LIMIT_S = 29;


  /**
   * Whether end users call it: an API workflow with {@code auth: user} or {@code auth: none}. Its
   * data steps (and those of custom events it runs) follow the data schema's privacy rules.
   */
  public boolean userCallable() {
    return trigger != null && trigger.kind() == Trigger.Kind.API
        && (trigger.auth() == Trigger.Auth.USER || trigger.auth() == Trigger.Auth.NONE);
  }

  /** Settings of the workflow's own Lambda function; null values leave the template's defaults. */
  public record FunctionSettings(Integer reservedConcurrency, Integer memoryMb, Integer timeoutS) {
    public static final FunctionSettings DEFAULTS = new FunctionSettings(null, null, null);
  }
}
