package dev.backendworkflows.execution;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run has computed, kept with its record so that another attempt can continue it: the
 * bound parameters, each finished step's full result by step id (a result too large to keep is
 * named in {@code dropped} instead, and derived again on resume), the response so far, the
 * verified user of a user-auth run (an empty map for an anonymous caller) and the custom-event depth.
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Journal(Map<String, Object> params, Map<String, Object> results, List<String> dropped, Object response,
    boolean responded, boolean responseDropped,
    // kept even when empty: an empty map is an anonymous caller (privacy rules apply), null the system
    @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> user, int depth) {

  public Journal {
    params = params == null ? Map.of() : params;
    results = results == null ? Map.of() : results;
    dropped = dropped == null ? List.of() : List.copyOf(dropped);
  }

  /** The journal of a run that has computed nothing yet. */
  public static Journal start(Map<String, Object> params, Map<String, Object> user, int depth) {
    return new Journal(params, new LinkedHashMap<>(), List.of(), null, false, false, user, depth);
  }
}
