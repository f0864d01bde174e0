package dev.backendworkflows.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.backendworkflows.schedule.local.LocalScheduler;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LocalSchedulerTest extends SchedulerContract {
  @Override
  protected Scheduler newScheduler() {
    return new LocalScheduler();
  }

  @Test
  void dispatchedNowIsDueAtOnceAndFiresOnce() {
    LocalScheduler local = new LocalScheduler();
    local.dispatchNow("a", "wf");
    local.deliverAt("b", "wf", Instant.parse("2030-01-01T00:00:00Z"));
    List<String> fired = new ArrayList<>();
    assertThat(local.fireDue(Instant.parse("2026-01-01T00:00:00Z"), d -> fired.add(d.scheduledRunId()))).isEqualTo(1);
    assertThat(local.fireDue(Instant.parse("2026-01-01T00:00:00Z"), d -> fired.add(d.scheduledRunId()))).isZero();
    assertThat(fired).containsExactly("a");
  }
}
