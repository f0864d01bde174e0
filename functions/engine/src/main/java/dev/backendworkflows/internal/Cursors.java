package dev.backendworkflows.internal;

import dev.backendworkflows.exceptions.InvalidCursorException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/** Opaque pagination cursors: URL-safe base64 of a small JSON object. */
public final class Cursors {
  private Cursors() {}

  public static String encode(Map<String, ?> position) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(Json.write(position).getBytes(StandardCharsets.UTF_8));
  }

  /** The longest text a cursor position holds (ids and timestamps are far shorter). */
  private static final int MAX_TEXT = 1024;

  /**
   * @throws InvalidCursorException when the cursor cannot have been made by {@link #encode}: not
   *     base64 of a JSON object whose values are non-empty text (what every store's keys are) or
   *     non-negative whole numbers
   */
  public static Map<String, Object> decode(String cursor) {
    Map<String, Object> position;
    try {
      String json = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      position = Json.object(Json.tree(json));
    } catch (RuntimeException e) {
      throw new InvalidCursorException(cursor);
    }
    if (position == null) { // valid base64 of JSON that is not an object ("null", say)
      throw new InvalidCursorException(cursor);
    }
    for (Object value : position.values()) {
      boolean ok = value instanceof String text ? !text.isEmpty() && text.length() <= MAX_TEXT
          && !dev.backendworkflows.definition.Values.hasLoneSurrogate(text)
          : (value instanceof Integer || value instanceof Long) && ((Number) value).longValue() >= 0;
      if (!ok) {
        throw new InvalidCursorException(cursor);
      }
    }
    return position;
  }
}
