package dev.backendworkflows.auth;

import java.time.Instant;

/** A stored API key: only its SHA-256 hash is kept; {@code admin} keys may read run logs. */
public record ApiKey(String keyHash, String name, boolean admin, Instant createdAt) {}
