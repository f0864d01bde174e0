package dev.backendworkflows.definition;

import dev.backendworkflows.expression.Template;
import java.util.Map;

/**
 * A data type's privacy rules: conditions over {@code $user} (the end user's JWT claims; nothing
 * for an anonymous caller) and {@code $thing}. {@code read}: who may get and find a thing;
 * {@code fields}: a field named there is shown only when its condition holds too; {@code create},
 * {@code change} and {@code delete}: who may write. A rule left out allows nobody.
 */
public record PrivacyRules(Template read, Map<String, Template> fields, Template create, Template change, Template delete) {
  public PrivacyRules {
    fields = Map.copyOf(fields);
  }

  /** The rule named {@code name} ({@code read}, {@code create}, {@code change}, {@code delete}), or null when left out. */
  public Template rule(String name) {
    return switch (name) {
      case "read" -> read;
      case "create" -> create;
      case "change" -> change;
      case "delete" -> delete;
      default -> throw new IllegalArgumentException("no privacy rule " + name);
    };
  }
}
