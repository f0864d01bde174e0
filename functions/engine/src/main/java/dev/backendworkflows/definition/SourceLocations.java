package dev.backendworkflows.definition;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each path of a definition file ({@code steps[2].args.url}, as {@link DefinitionError}
 * names it) starts in the file: line and column, for {@code file:line:col} messages.
 */
public final class SourceLocations {
  /** A 1-based line and column. */
  public record Location(int line, int column) {
    @Override
    public String toString() {
      return line + ":" + column;
    }
  }

  private final Map<String, Location> byPath;

  private SourceLocations(Map<String, Location> byPath) {
    this.byPath = byPath;
  }

  /** The locations in {@code yaml}; a file that does not parse has none past the point it breaks. */
  public static SourceLocations of(String yaml) {
    Map<String, Location> found = new HashMap<>();
    Deque<Object> path = new ArrayDeque<>(); // String keys and int[] counters of arrays
    try (JsonParser p = new YAMLFactory().createParser(yaml)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        JsonLocation at = p.currentTokenLocation();
        Location here = new Location(at.getLineNr(), at.getColumnNr());
        if (t == JsonToken.FIELD_NAME) {
          if (!path.isEmpty() && path.peekLast() instanceof String) {
            path.removeLast();
          }
          path.addLast(p.currentName());
          found.putIfAbsent(render(path), here);
          continue;
        }
        if (!path.isEmpty() && path.peekLast() instanceof int[] index) { // an array element starts here
          index[0]++;
          found.putIfAbsent(render(path), here);
        }
        if (t == JsonToken.START_ARRAY) {
          path.addLast(new int[] {-1});
        } else if (t == JsonToken.START_OBJECT) {
          path.addLast("");
        } else if (t == JsonToken.END_ARRAY || t == JsonToken.END_OBJECT) {
          path.removeLast(); // the object's last key or the array's counter
        }
      }
    } catch (IOException | RuntimeException e) {
      // a broken file: what was read so far still places errors before the break
    }
    return new SourceLocations(found);
  }

  /** Where {@code path} starts, or its nearest enclosing path that is in the file, or 1:1. */
  public Location find(String path) {
    String p = path == null ? "" : path;
    while (!p.isEmpty()) {
      Location l = byPath.get(p);
      if (l != null) {
        return l;
      }
      int cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
      p = cut <= 0 ? "" : p.substring(0, cut);
    }
    return new Location(1, 1);
  }

  private static String render(Deque<Object> path) {
    StringBuilder b = new StringBuilder();
    for (Object part : path) {
      if (part instanceof int[] index) {
        b.append('[').append(index[0]).append(']');
      } else if (!((String) part).isEmpty()) {
        if (!b.isEmpty()) {
          b.append('.');
        }
        b.append(part);
      }
    }
    return b.toString();
  }
}
