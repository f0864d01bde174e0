package dev.backendworkflows.secrets.local;

import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.secrets.SecretStore;
import java.util.Locale;
import java.util.Map;

/** Secrets from the environment: secret {@code stripe_key} is {@code BW_SECRET_STRIPE_KEY}. */
public final class EnvSecretStore implements SecretStore {
  private final Map<String, String> env;

  public EnvSecretStore(Map<String, String> env) {
    this.env = env;
  }

  public static String variable(String name) {
    return "BW_SECRET_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  @Override
  public String get(String name) {
    String value = env.get(variable(name));
    if (value == null) {
      throw new ActionException("secret_not_found", "secret '" + name + "' is not set: export " + variable(name) + " for the local runner");
    }
    return value;
  }
}
