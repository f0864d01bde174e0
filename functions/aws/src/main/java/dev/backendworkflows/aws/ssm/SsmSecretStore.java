package dev.backendworkflows.aws.ssm;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.secrets.SecretStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;

/**
 * {@link SecretStore} on SSM Parameter Store: secret {@code stripe_key} is the SecureString
 * parameter {@code <prefix>stripe_key} (by default {@code /backend-workflows/<stage>/stripe_key}),
 * read with decryption and cached for five minutes per execution environment.
 */
public final class SsmSecretStore implements SecretStore {
  private static final Duration CACHE = Duration.ofMinutes(5);
  private final Supplier<SsmClient> client;
  private final String prefix;
  private final Clock clock;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(String value, Instant until) {}

  public SsmSecretStore(Supplier<SsmClient> client, String prefix, Clock clock) {
    this.client = client;
    this.prefix = prefix;
    this.clock = clock;
  }

  @Override
  public String get(String name) {
    Cached hit = cache.get(name);
    if (hit != null && hit.until().isAfter(clock.instant())) {
      return hit.value();
    }
    try {
      String value = client.get().getParameter(b -> b.name(prefix + name).withDecryption(true)).parameter().value();
      cache.put(name, new Cached(value, clock.instant().plus(CACHE)));
      return value;
    } catch (ParameterNotFoundException e) {
      throw new ActionException("secret_not_found", "secret '" + name + "' is not set: create the SecureString parameter "
          + prefix + name + " (aws ssm put-parameter --type SecureString --name " + prefix + name + " --value ...)");
    }
  }
}
