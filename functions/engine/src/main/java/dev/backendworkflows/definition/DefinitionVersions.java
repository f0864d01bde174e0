package dev.backendworkflows.definition;

import java.util.Optional;

/**
 * Definitions kept besides the current ones, by content: a run continued after its workflow changed
 * (resumed after its attempt died, or retried) runs on under the version it started with, found here.
 */
public interface DefinitionVersions {
  /** None kept: a run whose workflow changed ends {@code definition_changed}. */
  DefinitionVersions NONE = (workflow, version) -> Optional.empty();

  /**
   * The workflows a run of {@code workflow} at {@code version} runs with — that version of it, and
   * the current others — when that version is kept and still loads beside them.
   */
  Optional<Workflows> find(String workflow, String version);
}
