package dev.backendworkflows.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.auth.local.MapApiKeyStore;
import dev.backendworkflows.internal.Json;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;

class MapApiKeyStoreTest extends ApiKeyStoreContract {
  @Override
  protected ApiKeyStore newStore() {
    return new MapApiKeyStore();
  }

  @Test
  void find_whenTheMapIsChangedUnderIt_seesTheChangeAtOnce() {
    // a key parsed once must never outlive the map entry it was parsed from
    ConcurrentSkipListMap<String, String> map = new ConcurrentSkipListMap<>();
    MapApiKeyStore store = new MapApiKeyStore(map);
    store.put(new ApiKey("h1", "app", false, Instant.EPOCH, List.of("a")));
    assertThat(store.find("h1")).get().extracting(ApiKey::workflows).isEqualTo(List.of("a"));

    map.put("h1", Json.write(new ApiKey("h1", "app", true, Instant.EPOCH, List.of("b"))));
    assertThat(store.find("h1")).get().satisfies(k -> {
      assertThat(k.admin()).isTrue();
      assertThat(k.workflows()).containsExactly("b");
    });

    map.remove("h1");
    assertThat(store.find("h1")).isEmpty();
  }
}
