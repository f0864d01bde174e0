package dev.backendworkflows.engine;

import dev.backendworkflows.data.ThingStore;
import dev.backendworkflows.runlog.RunLog;
import java.time.Clock;
import java.time.Duration;

/**
 * The ports a run uses, plus deployment settings: {@code stage} (e.g. test, live) is recorded on
 * every run; {@code runRetention} is how long run records live before TTL removes them.
 */
public record Services(ThingStore things, RunLog runs, Clock clock, String stage, Duration runRetention) {}
