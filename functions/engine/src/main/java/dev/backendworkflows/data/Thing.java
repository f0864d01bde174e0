package dev.backendworkflows.data;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** One stored record of a data type (Bubble's "thing"): its id, type, fields and timestamps. */
public record Thing(String type, String id, Map<String, Object> fields, Instant createdAt, Instant modifiedAt) {
  public Thing {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(id, "id");
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }

  /** The view expressions see: the fields plus {@code _id}, {@code _type}, {@code _created}, {@code _modified}. */
  public Map<String, Object> view() {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("_id", id);
    view.put("_type", type);
    view.putAll(fields);
    view.put("_created", createdAt.toString());
    view.put("_modified", modifiedAt.toString());
    return view;
  }
}
