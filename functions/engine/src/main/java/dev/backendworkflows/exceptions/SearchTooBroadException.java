package dev.backendworkflows.exceptions;

/** A sorted search matched more things than can be sorted in one request. */
public final class SearchTooBroadException extends WorkflowException {
  public SearchTooBroadException(String type, String sortField, int max) {
    super("Search of '" + type + "' sorted by '" + sortField + "' matches more than " + max
        + " things; add constraints, or drop the sort to page through them in creation order");
  }

  @Override
  public String code() {
    return "search_too_broad";
  }
}
