package dev.backendworkflows.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link ApiKeyStore} adapter must have, checked through {@link ApiKeys}. */
public abstract class ApiKeyStoreContract {
  protected abstract ApiKeyStore newStore();

  @Test
  void issuedKeyAuthenticatesAndOnlyItsHashIsStored() {
    ApiKeyStore store = newStore();
    ApiKeys keys = new ApiKeys(store, Clock.systemUTC());
    String key = keys.issue("app", false);
    assertThat(keys.authenticate(key)).get().satisfies(k -> {
      assertThat(k.name()).isEqualTo("app");
      assertThat(k.admin()).isFalse();
      assertThat(k.keyHash()).isNotEqualTo(key).hasSize(64);
    });
    assertThat(store.find(ApiKeys.hash(key))).isPresent();
  }

  @Test
  void unknownOrEmptyKeysDoNotAuthenticate() {
    ApiKeys keys = new ApiKeys(newStore(), Clock.systemUTC());
    keys.issue("app", true);
    assertThat(keys.authenticate("bwk_wrong")).isEmpty();
    assertThat(keys.authenticate("")).isEmpty();
    assertThat(keys.authenticate(null)).isEmpty();
  }
}
