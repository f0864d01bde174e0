package dev.backendworkflows.secrets;

/**
 * Port: credentials for external APIs, by name. Adapters: {@code SsmSecretStore} (SSM Parameter
 * Store, SecureString) and {@link dev.backendworkflows.secrets.local.EnvSecretStore}. Secret values
 * are only ever placed into outgoing requests: never into expressions, run logs, errors or responses.
 */
public interface SecretStore {
  /**
   * @return the secret's value
   * @throws dev.backendworkflows.exceptions.ActionException {@code secret_not_found} naming the
   *     secret (never its value) and where it was looked for
   */
  String get(String name);
}
