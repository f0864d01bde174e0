package dev.backendworkflows.execution;

import java.time.Instant;

/** Who holds a claimed piece of work (an invocation id) and until when the claim protects it. */
public record Lease(String holder, Instant until) {}
