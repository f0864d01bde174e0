package dev.backendworkflows.runlog;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * What one step did: its condition's result (null when it has no {@code when}), status
 * ({@code succeeded}, {@code skipped}, {@code failed}, {@code terminated}), duration, a bounded
 * summary of its output (the value itself, or a truncated preview when large), and its error.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StepRecord(int index, String id, String action, Boolean condition, String status,
    long durationMs, Object output, ErrorInfo error) {}
