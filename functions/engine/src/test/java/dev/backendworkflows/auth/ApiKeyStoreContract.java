package dev.backendworkflows.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Clock;
import java.util.List;
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

  @Test
  void scopedKeyKeepsItsWorkflowsThroughTheStore() {
    ApiKeys keys = new ApiKeys(newStore(), Clock.systemUTC());
    String key = keys.issue("billing", false, List.of("charge", "refund"));
    ApiKey found = keys.authenticate(key).orElseThrow();
    assertThat(found.workflows()).containsExactly("charge", "refund");
    assertThat(found.mayCall("refund")).isTrue();
    assertThat(found.mayCall("delete-user")).isFalse();
    assertThat(keys.authenticate(keys.issue("app", false)).orElseThrow().mayCall("delete-user")).isTrue();
  }

  @Test
  void listShowsEveryKeyAndRevokeRemovesOnlyTheNamedOnes() {
    ApiKeys keys = new ApiKeys(newStore(), Clock.systemUTC());
    // stores may be shared with other tests: names unique to this run
    String app = "app-" + System.nanoTime();
    String ops = "ops-" + System.nanoTime();
    String first = keys.issue(app, false);
    String second = keys.issue(app, false, List.of("charge"));
    String other = keys.issue(ops, true);
    assertThat(keys.list()).filteredOn(k -> k.name().equals(app) || k.name().equals(ops))
        .extracting(ApiKey::name, ApiKey::scope)
        .containsExactlyInAnyOrder(tuple(app, "all workflows"), tuple(app, "charge"), tuple(ops, "admin"));
    assertThat(keys.list()).allSatisfy(k -> assertThat(k.keyHash()).hasSize(64));

    assertThat(keys.revoke(app)).isEqualTo(2);
    assertThat(keys.authenticate(first)).isEmpty();
    assertThat(keys.authenticate(second)).isEmpty();
    assertThat(keys.authenticate(other)).isPresent();
    assertThat(keys.revoke(app)).isZero();
    assertThat(keys.list()).extracting(ApiKey::name).doesNotContain(app).contains(ops);
  }
}
