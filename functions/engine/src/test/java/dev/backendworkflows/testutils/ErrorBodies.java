package dev.backendworkflows.testutils;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

/**
 * Every error body the test suite sees, and what none may contain: Java class or package names,
 * stack frames, AWS ARNs, or the value of a secret a test set. {@link ErrorBodyScan} checks the
 * bodies after each test class.
 */
public final class ErrorBodies {
  private static final ConcurrentLinkedQueue<String> BODIES = new ConcurrentLinkedQueue<>();
  private static final ConcurrentLinkedQueue<String> UNREGISTERED = new ConcurrentLinkedQueue<>();
  private static final Set<String> SECRETS = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private static final List<Pattern> FORBIDDEN = List.of(
      Pattern.compile("\\b[A-Z][A-Za-z0-9]*(Exception|Error)\\b"), // NullPointerException, StackOverflowError
      Pattern.compile("\\b(dev\\.backendworkflows|java\\.|javax\\.|jdk\\.|sun\\.|com\\.fasterxml|software\\.amazon|com\\.dashjoin)"),
      Pattern.compile("\\bat [\\w.$]+\\([\\w.]*(:\\d+)?\\)"), // a stack frame
      Pattern.compile("arn:aws"));

  private ErrorBodies() {}

  /** Records a response body when its status is an error. */
  public static void record(int status, String body) {
    if (status >= 400 && body != null) {
      BODIES.add(body);
      unregistered(status, body).ifPresent(UNREGISTERED::add);
    }
  }

  /** Records the answer to an invocation that is not an HTTP request (a Lambda event it refused): scanned, its code not HTTP's. */
  public static void recordInvocationError(String body) {
    if (body != null) {
      BODIES.add(body);
    }
  }

  /**
   * An error code the answer carries that {@link dev.backendworkflows.http.ErrorCodes} (what the
   * OpenAPI document lists) does not name with this status; a failed run's 422 carries its step's own code.
   */
  static java.util.Optional<String> unregistered(int status, String body) {
    String code;
    try {
      code = dev.backendworkflows.internal.Json.tree(body).path("error").path("code").asText(null);
    } catch (RuntimeException notJson) {
      return java.util.Optional.of(status + " without a JSON error envelope: " + (body.length() > 100 ? body.substring(0, 100) : body));
    }
    if (code == null || status == 422) {
      return java.util.Optional.empty();
    }
    var known = dev.backendworkflows.http.ErrorCodes.BY_CODE.get(code);
    return known != null && known.status() == status ? java.util.Optional.empty()
        : java.util.Optional.of(status + " " + code + (known == null ? " (not in ErrorCodes)" : " (ErrorCodes says " + known.status() + ")"));
  }

  /** The unregistered codes seen since the last call. */
  public static List<String> drainUnregistered() {
    List<String> all = new ArrayList<>();
    String s;
    while ((s = UNREGISTERED.poll()) != null) {
      all.add(s);
    }
    return all.stream().distinct().toList();
  }

  /** A body handler for {@link java.net.http.HttpClient} that records error bodies as it reads them (tests over real HTTP). */
  public static java.net.http.HttpResponse.BodyHandler<String> recording() {
    return info -> java.net.http.HttpResponse.BodySubscribers.mapping(
        java.net.http.HttpResponse.BodySubscribers.ofString(java.nio.charset.StandardCharsets.UTF_8), body -> {
          record(info.statusCode(), body);
          return body;
        });
  }

  /** A secret value a test uses: no error body may show it. */
  public static void secret(String value) {
    if (value != null && value.length() >= 4) {
      SECRETS.add(value);
    }
  }

  /** What is wrong with {@code body}, or an empty list. */
  public static List<String> violations(String body) {
    List<String> found = new ArrayList<>();
    for (Pattern p : FORBIDDEN) {
      var m = p.matcher(body);
      if (m.find()) {
        found.add("'" + m.group() + "'");
      }
    }
    SECRETS.stream().filter(body::contains).forEach(s -> found.add("a secret value"));
    return found;
  }

  /** The bodies recorded since the last drain, emptied. */
  static List<String> drain() {
    List<String> out = new ArrayList<>();
    for (String b; (b = BODIES.poll()) != null; ) {
      out.add(b);
    }
    return out;
  }
}
