package dev.backendworkflows.execution;

import dev.backendworkflows.internal.Ids;
import java.time.Instant;

/**
 * One invocation of a function — a Lambda request, or a delivery or request of the local runner:
 * {@code id} names the holder of whatever its attempt claims; {@code deadline} is when it will be
 * stopped at the latest (null when nothing stops it), from which leases are computed.
 */
public record Invocation(String id, Instant deadline) {
  public Invocation {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("an invocation needs an id");
    }
  }

  /** An invocation with a fresh id and no deadline (tools and tests). */
  public static Invocation untimed() {
    return new Invocation("inv-" + Ids.newId(Instant.now()), null);
  }
}
