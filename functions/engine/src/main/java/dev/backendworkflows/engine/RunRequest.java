package dev.backendworkflows.engine;

import java.util.Map;

/** A request to run a workflow: its raw input, what triggered it, and who called. */
public record RunRequest(String workflow, Map<String, Object> input, String trigger, String caller) {}
