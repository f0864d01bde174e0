package dev.backendworkflows.data;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One stored record of a data type (Bubble's "thing"): its id, type, fields, timestamps and
 * version — 1 when created, one more on every change, so a writer can make a change conditional on it.
 */
public record Thing(String type, String id, Map<String, Object> fields, Instant createdAt, Instant modifiedAt, long version) {
  public Thing {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    version = Math.max(version, 1); // things stored before versions existed read as version 1
  }

  /** A new thing, at version 1. */
  public Thing(String type, String id, Map<String, Object> fields, Instant createdAt, Instant modifiedAt) {
    this(type, id, fields, createdAt, modifiedAt, 1);
  }

  /**
   * The view expressions see: the fields plus {@code _id}, {@code _type}, {@code _created},
   * {@code _modified} and {@code _version}.
   */
  public Map<String, Object> view() {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("_id", id);
    view.put("_type", type);
    view.putAll(fields);
    view.put("_created", createdAt.toString());
    view.put("_modified", modifiedAt.toString());
    view.put("_version", version);
    return view;
  }
}
