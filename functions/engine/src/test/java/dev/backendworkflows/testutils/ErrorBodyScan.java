package dev.backendworkflows.testutils;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when any error body it produced shows internals (see {@link ErrorBodies}).
 * Registered for every test class by JUnit's extension autodetection (see the surefire configuration).
 */
public final class ErrorBodyScan implements AfterAllCallback {
  @Override
  public void afterAll(ExtensionContext context) {
    List<String> bad = ErrorBodies.drain().stream().filter(b -> !ErrorBodies.violations(b).isEmpty())
        .map(b -> ErrorBodies.violations(b) + " in " + (b.length() > 300 ? b.substring(0, 300) + "…" : b)).distinct().toList();
    List<String> unregistered = ErrorBodies.drainUnregistered();
    if (!unregistered.isEmpty()) {
      throw new AssertionError("error codes the OpenAPI document does not list (add them to ErrorCodes): " + unregistered);
    }
    if (!bad.isEmpty()) {
      throw new AssertionError(bad.size() + " error bodies show internals:\n" + String.join("\n", bad));
    }
  }
}
