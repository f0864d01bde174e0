package dev.backendworkflows.data;

import java.util.List;

/** One page of search results; {@code cursor} is null on the last page. */
public record ThingPage(List<Thing> things, String cursor) {
  public ThingPage {
    things = List.copyOf(things);
  }
}
