package dev.backendworkflows.execution;

import dev.backendworkflows.internal.Json;
import dev.backendworkflows.runlog.RunRecord;
import dev.backendworkflows.runlog.StepRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps a run's record and journal, stored together, under DynamoDB's 400 KB item limit whatever
 * the input: parameters and step outputs in the record are previews; the journal keeps parameters
 * whole (they are capped at {@link #MAX_PARAMS_BYTES} before a run starts) and each result whole
 * while it fits, else names it as dropped (a resumed run then derives it again).
 */
public final class ItemBudget {
  /** DynamoDB's item size limit. */
  public static final int ITEM_LIMIT = 400 * 1024;
  /** Bytes of record and journal JSON together, leaving room for the item's other attributes. */
  public static final int BUDGET = 380_000;
  /** Parameters of one run, as JSON: the same as the HTTP body cap. */
  public static final int MAX_PARAMS_BYTES = 256 * 1024;
  /** Characters of a value's preview in the record. */
  public static final int PREVIEW_CHARS = 1_000;
  static final int RESULT_BYTES = 64 * 1024;
  static final int RECORD_BYTES = 96 * 1024;
  static final int PARAMS_PREVIEW_BYTES = 16 * 1024;
  private static final int SHORT_PREVIEW_CHARS = 200;
  /** Characters of an error message or terminate reason kept in the record. */
  static final int TEXT_CHARS = 2_000;

  private static String text(String s) {
    return s == null || s.length() <= TEXT_CHARS ? s : s.substring(0, TEXT_CHARS) + "…(truncated, " + s.length() + " chars)";
  }

  private static String shortText(String s) {
    return s == null || s.length() <= SHORT_PREVIEW_CHARS ? s : s.substring(0, SHORT_PREVIEW_CHARS) + "…";
  }

  private static dev.backendworkflows.runlog.ErrorInfo boundedError(dev.backendworkflows.runlog.ErrorInfo e) {
    if (e == null) {
      return null;
    }
    List<dev.backendworkflows.runlog.ErrorInfo.FieldError> fields = e.fields().stream().limit(20)
        .map(f -> new dev.backendworkflows.runlog.ErrorInfo.FieldError(shortText(f.field()), f.code(), shortText(f.message()))).toList();
    return new dev.backendworkflows.runlog.ErrorInfo(e.code(), text(e.message()), fields);
  }

  private static StepRecord boundedError(StepRecord s) {
    return s.error() == null ? s : s.withError(boundedError(s.error()));
  }

  private ItemBudget() {}

  /** UTF-8 bytes of a value's JSON. */
  public static int bytes(Object value) {
    // counted as written: no string or byte array of the whole value is made just to be measured
    Utf8Counter counter = new Utf8Counter();
    try {
      Json.MAPPER.writeValue(counter, value);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return counter.count;
  }

  /**
   * A writer that only counts the UTF-8 bytes of the text written to it (as the text's
   * {@code getBytes(UTF_8)} would; an output stream would count Jackson's {@code \\u} escapes of
   * characters outside the Basic Multilingual Plane instead).
   */
  private static final class Utf8Counter extends java.io.Writer {
    private int count;

    @Override
    public void write(char[] chars, int off, int len) {
      for (int i = off; i < off + len; i++) {
        count(chars[i]);
      }
    }

    @Override
    public void write(String s, int off, int len) {
      for (int i = off; i < off + len; i++) {
        count(s.charAt(i));
      }
    }

    /** A surrogate pair is 4 bytes, counted on its first half. */
    private void count(char c) {
      count += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : Character.isLowSurrogate(c) ? 0 : 3;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  /** The value itself when its JSON is short, else a text preview that says how much was cut. */
  public static Object preview(Object value, int chars) {
    if (value == null) {
      return null;
    }
    String json = Json.write(value);
    return json.length() <= chars ? value : json.substring(0, chars) + "…(truncated, " + json.length() + " chars)";
  }

  /** The record's view of parameters: each previewed, all within a bound. */
  public static Map<String, Object> paramsPreview(Map<String, Object> params) {
    if (bytes(params) <= PARAMS_PREVIEW_BYTES) {
      return params;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    params.forEach((k, v) -> out.put(k, preview(v, PREVIEW_CHARS)));
    if (bytes(out) <= PARAMS_PREVIEW_BYTES) {
      return out;
    }
    return Map.of("_omitted", params.size() + " parameters, " + bytes(params) + " bytes: too large to show");
  }

  /** {@code execution} with its record and journal made to fit {@link #BUDGET}. */
  public static Execution fit(Execution execution) {
    return fit(execution, java.util.Set.of());
  }

  /**
   * {@code execution} made to fit {@link #BUDGET}, keeping the results of the steps named in
   * {@code first} (effectful steps: their results cannot be read back for free) before the others.
   */
  public static Execution fit(Execution execution, java.util.Set<String> first) {
    FittedRecord fitted = fitRecord(execution.record());
    RunRecord record = fitted.record();
    Journal journal = execution.journal();
    if (journal == null) {
      return new Execution(record, null, execution.version(), execution.lease(), execution.attemptBase());
    }
    int room = BUDGET - fitted.bytes() - bytes(journal.params()) - bytes(journal.user() == null ? Map.of() : journal.user()) - 2_000;
    Object response = journal.response();
    boolean responseDropped = journal.responseDropped();
    if (response != null) { // the response is kept first: a replayed request answers with it
      int size = bytes(response);
      if (size > room) {
        response = null;
        responseDropped = true;
      } else {
        room -= size;
      }
    }
    Map<String, Object> kept = new LinkedHashMap<>();
    List<String> dropped = new ArrayList<>(journal.dropped());
    List<Map.Entry<String, Object>> order = new ArrayList<>(journal.results().entrySet());
    order.sort(java.util.Comparator.comparing(e -> !first.contains(e.getKey())));
    for (Map.Entry<String, Object> e : order) {
      int size = bytes(e.getValue()) + e.getKey().length() + 8;
      if (size <= RESULT_BYTES && size <= room) {
        kept.put(e.getKey(), e.getValue());
        room -= size;
        dropped.remove(e.getKey());
      } else if (!dropped.contains(e.getKey())) {
        dropped.add(e.getKey());
      }
    }
    return new Execution(record, new Journal(journal.params(), kept, dropped, response, journal.responded(), responseDropped,
        journal.user(), journal.depth()), execution.version(), execution.lease(), execution.attemptBase());
  }

  /** A record made to fit {@link #RECORD_BYTES}, with its size as JSON (measured once). */
  private record FittedRecord(RunRecord record, int bytes) {}

  private static FittedRecord fitRecord(RunRecord r) {
    RunRecord out = r.bounded(paramsPreview(r.params()), r.steps().stream().map(ItemBudget::boundedError).toList(),
        preview(r.response(), PREVIEW_CHARS)).withText(text(r.reason()), boundedError(r.error()));
    int size = bytes(out);
    if (size <= RECORD_BYTES) {
      return new FittedRecord(out, size);
    }
    out = out.bounded(out.params(), out.steps().stream().map(s -> s.withOutput(preview(s.output(), SHORT_PREVIEW_CHARS))).toList(),
        preview(out.response(), SHORT_PREVIEW_CHARS));
    size = bytes(out);
    if (size <= RECORD_BYTES) {
      return new FittedRecord(out, size);
    }
    List<StepRecord> bare = out.steps().stream().map(s -> s.withOutput(null)).toList();
    out = out.bounded(out.params(), bare, null);
    size = bytes(out);
    if (size <= RECORD_BYTES) {
      return new FittedRecord(out, size);
    }
    // last: step errors keep their code and the start of their message
    List<StepRecord> terse = out.steps().stream().map(s -> s.error() == null ? s : s.withError(new dev.backendworkflows.runlog.ErrorInfo(
        s.error().code(), s.error().message().substring(0, Math.min(s.error().message().length(), SHORT_PREVIEW_CHARS))))).toList();
    out = out.bounded(out.params(), terse, null);
    return new FittedRecord(out, bytes(out));
  }
}
