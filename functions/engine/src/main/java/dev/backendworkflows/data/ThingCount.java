package dev.backendworkflows.data;

/** How many things a count found, and how many the store read to find them (its cost). */
public record ThingCount(long count, long read) {}
