package dev.backendworkflows.expression;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;

/**
 * The time, depth and sizes one evaluation may use. The clock and depth are checked on entry to
 * and exit from every evaluation step, and the size of each step's text or list result on exit; the
 * clock also inside the built-ins that could otherwise run long within one step (regular
 * expressions scan through {@link #text}), and the size inside those that could build much within
 * one step, before they build it ({@link BoundedBuiltins}). Lists being short, no other built-in
 * runs long on one call, so the budget holds for a single call as well as for a long expression.
 */
final class EvaluationBudget {
  /** Bounds every evaluation, so a runaway expression fails the step instead of the function. */
  static final long TIME_MS = 2_000;
  static final int MAX_DEPTH = 200;
  /** The longest text an evaluation may build: four times the largest answer an {@code api_call} reads. */
  static final int MAX_TEXT_CHARS = 4 * 1024 * 1024;
  /** The longest list an evaluation may build: far above any input (a request body is at most 256 KiB). */
  static final int MAX_LIST_ITEMS = 100_000;
  /** All the text and list items one evaluation's steps may produce together, so many allowed results cannot add up to too much. */
  static final long MAX_TOTAL_CHARS = 32L * 1024 * 1024;
  static final long MAX_TOTAL_ITEMS = 5_000_000;
  /** Characters a regular expression may read between two looks at the clock. */
  private static final int CHARS_PER_CHECK = 4096;

  private static final ThreadLocal<EvaluationBudget> CURRENT = new ThreadLocal<>();

  private final long deadline;
  private int depth;
  private long totalChars;
  private long totalItems;
  /** Expanded sizes of the objects and lists results are made of, by identity: each is measured once (made on first need). */
  private java.util.IdentityHashMap<Object, Long> expanded;

  private EvaluationBudget(long nanoTime) {
    this.deadline = nanoTime + TIME_MS * 1_000_000;
  }

  /** Starts a budget for one evaluation on this thread and hooks it into the evaluation's frame. */
  static EvaluationBudget start(Jsonata.Frame frame) {
    EvaluationBudget budget = new EvaluationBudget(System.nanoTime());
    // every entry has its exit (evaluation here is synchronous), so depth is counted on each; JSONata's
    // own bound skips "parallel" frames, whose flag stays set after any array or object constructor
    frame.setEvaluateEntryCallback((expr, input, env) -> {
      budget.depth++;
      budget.check();
    });
    frame.setEvaluateExitCallback((expr, input, env, result) -> {
      budget.depth--;
      budget.check();
      if (result instanceof String s) {
        budget.checkTextSize(s.length());
        budget.produced(s.length(), 0);
      } else if (result instanceof java.util.List<?> l) {
        budget.checkListSize(l.size());
        budget.produced(0, l.size());
        budget.checkExpanded(result);
      } else if (result instanceof java.util.Map<?, ?>) {
        budget.checkExpanded(result);
      }
    });
    BoundedBuiltins.bind(frame);
    CURRENT.set(budget);
    return budget;
  }

  /** Ends this thread's budget. */
  void end() {
    CURRENT.remove();
  }

  /** The budget of the evaluation running on this thread. */
  static EvaluationBudget current() {
    EvaluationBudget b = CURRENT.get();
    if (b == null) {
      throw new IllegalStateException("a bounded built-in was called outside an evaluation");
    }
    return b;
  }

  void check() {
    if (depth > MAX_DEPTH) {
      throw new Exceeded("it nests deeper than " + MAX_DEPTH + " levels (a recursive function that never ends?)");
    }
    if (System.nanoTime() - deadline > 0) {
      throw new Exceeded("it ran longer than its budget of " + TIME_MS + " ms");
    }
  }

  void checkTextSize(long chars) {
    if (chars > MAX_TEXT_CHARS) {
      throw new Exceeded("it builds a text of " + chars + " characters, over the limit of " + MAX_TEXT_CHARS);
    }
  }

  /** Counts what a step produced (a result passed on is counted again: an upper bound, cheap to keep). */
  void produced(long chars, long items) {
    totalChars += chars;
    totalItems += items;
    if (totalChars > MAX_TOTAL_CHARS || totalItems > MAX_TOTAL_ITEMS) {
      throw new Exceeded("its steps produce more than " + MAX_TOTAL_CHARS / (1024 * 1024) + " Mi characters or " + MAX_TOTAL_ITEMS
          + " list items in all, over the limit");
    }
  }

  /** The deepest a value may nest. */
  static final int MAX_VALUE_DEPTH = 1_000;

  /**
   * Refuses a value that would be too big written out: one object or list used in many places
   * costs little to build but all of it to return, compare or print, so it is counted as often as
   * it is used.
   */
  void checkExpanded(Object value) {
    long size = expandedSize(value, 0);
    if (size > MAX_TOTAL_ITEMS) {
      throw new Exceeded("it builds a value of " + size + " items written out, over the limit of " + MAX_TOTAL_ITEMS);
    }
  }

  private long expandedSize(Object v, int depth) {
    if (!(v instanceof java.util.Map<?, ?>) && !(v instanceof java.util.List<?>)) {
      return 1;
    }
    if (depth > MAX_VALUE_DEPTH) {
      throw new Exceeded("it builds a value nested deeper than " + MAX_VALUE_DEPTH + " levels, over the limit");
    }
    if (expanded == null) {
      expanded = new java.util.IdentityHashMap<>();
    }
    Long known = expanded.get(v);
    if (known != null) {
      return known;
    }
    long size = 1;
    java.util.Collection<?> parts = v instanceof java.util.Map<?, ?> m ? m.values() : (java.util.List<?>) v;
    for (Object part : parts) {
      size += expandedSize(part, depth + 1);
      if (size > MAX_TOTAL_ITEMS) {
        break; // enough to refuse it
      }
    }
    expanded.put(v, size);
    return size;
  }

  void checkListSize(long items) {
    if (items > MAX_LIST_ITEMS) {
      throw new Exceeded("it builds a list of " + items + " items, over the limit of " + MAX_LIST_ITEMS);
    }
  }

  /** The text as regular expressions should read it: looking at the clock as they go. */
  CharSequence text(String s) {
    return new Clocked(s, this);
  }

  /** Thrown when an evaluation goes past its budget. A JSONata exception, so the evaluator passes it on unchanged. */
  static final class Exceeded extends JException {
    private static final long serialVersionUID = 1L;
    private final String reason;

    Exceeded(String reason) {
      super("budget", -1);
      this.reason = reason;
    }

    @Override
    public String getMessage() {
      return reason;
    }
  }

  /** A string that checks the budget every {@value #CHARS_PER_CHECK} characters read: a backtracking regex reads many. */
  private static final class Clocked implements CharSequence {
    private final String s;
    private final EvaluationBudget budget;
    private int reads;

    Clocked(String s, EvaluationBudget budget) {
      this.s = s;
      this.budget = budget;
    }

    @Override
    public char charAt(int index) {
      if (++reads == CHARS_PER_CHECK) {
        reads = 0;
        budget.check();
      }
      return s.charAt(index);
    }

    @Override
    public int length() {
      return s.length();
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return s.substring(start, end);
    }

    @Override
    public String toString() {
      return s;
    }
  }
}
