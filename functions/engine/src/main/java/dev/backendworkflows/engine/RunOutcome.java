package dev.backendworkflows.engine;

import dev.backendworkflows.runlog.RunRecord;

/** The finished run's record and the data its {@code return} steps gave the caller (or null). */
public record RunOutcome(RunRecord record, Object response) {}
