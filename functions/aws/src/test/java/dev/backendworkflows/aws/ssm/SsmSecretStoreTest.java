package dev.backendworkflows.aws.ssm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.backendworkflows.aws.lambda.AwsRuntime;
import dev.backendworkflows.aws.testsupport.Emulator;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.testutils.MutableClock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/** SSM Parameter Store over its wire protocol: SecureString secrets, cached, missing ones named (never valued). */
class SsmSecretStoreTest {
  @Test
  void readsSecureStringsUnderItsPrefixAndCachesThem() {
    SsmClient ssm = AwsRuntime.client(SsmClient.builder(), Map.of("AWS_ENDPOINT_URL", Emulator.endpoint(), "AWS_REGION", "us-east-1"));
    String prefix = "/backend-workflows/test-" + System.nanoTime() + "/";
    ssm.putParameter(b -> b.name(prefix + "rates_key").type(ParameterType.SECURE_STRING).value("v1"));
    MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    SsmSecretStore store = new SsmSecretStore(() -> ssm, prefix, clock);
    assertThat(store.get("rates_key")).isEqualTo("v1");
    ssm.putParameter(b -> b.name(prefix + "rates_key").type(ParameterType.SECURE_STRING).value("v2").overwrite(true));
    assertThat(store.get("rates_key")).isEqualTo("v1");
    clock.advance(Duration.ofMinutes(6));
    assertThat(store.get("rates_key")).isEqualTo("v2");
    assertThatThrownBy(() -> store.get("nope")).isInstanceOfSatisfying(ActionException.class, e -> {
      assertThat(e.code()).isEqualTo("secret_not_found");
      assertThat(e.getMessage()).contains(prefix + "nope");
    });
  }
}
