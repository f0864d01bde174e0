package dev.backendworkflows.data.local;

import java.util.Map;

/**
 * A map that can apply several changes as one: after a crash either all of them are there or none.
 * The local store writes a thing, its claims and its change record this way.
 */
public interface BatchMap {
  /** Puts every entry of {@code changes} whose value is not null and removes the others, atomically. */
  void applyAll(Map<String, String> changes);
}
