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

  /** @throws InvalidCursorException when the cursor was not made by {@link #encode}. */
  public static Map<String, Object> decode(String cursor) {
    try {
      String json = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      Map<String, Object> position = Json.object(Json.tree(json));
      if (position == null) { // valid base64 of JSON that is not an object ("null", say)
        throw new InvalidCursorException(cursor);
      }
      return position;
    } catch (RuntimeException e) {
      throw new InvalidCursorException(cursor);
    }
  }
}
