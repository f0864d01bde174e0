package dev.backendworkflows.expression;

import com.dashjoin.jsonata.Functions;
import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.dashjoin.jsonata.Jsonata.JFunction;
import com.dashjoin.jsonata.Utils;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSONata's built-ins that can run long or build much within one call, in versions that keep to the
 * evaluation's {@link EvaluationBudget}: {@code $match}, {@code $contains}, {@code $replace} and
 * {@code $split} run their regular expressions over text that looks at the clock, and they,
 * {@code $pad}, {@code $join} and {@code $string} check the size of what they build as they build it
 * or before. {@code $eval} is refused: it would evaluate text — possibly a caller's — as an expression.
 * (A regular expression used any other way is refused when the expression is compiled: {@link RegexUses}.)
 */
final class BoundedBuiltins {
  private BoundedBuiltins() {
  }

  // one instance each, shared like JSONata's own built-ins; each call finds its budget on its thread
  private static final JFunction MATCH = new JFunction((input, args) -> match(args), "<s-f<s:o>n?:a<o>>");
  private static final JFunction CONTAINS = new JFunction((input, args) -> contains(args), "<s-(sf):b>");
  private static final JFunction REPLACE = new JFunction((input, args) -> replace(args), "<s-(sf)(sf)n?:s>");
  private static final JFunction SPLIT = new JFunction((input, args) -> split(args), "<s-(sf)n?:a<s>>");
  private static final JFunction PAD = new JFunction((input, args) -> pad(args), "<s-ns?:s>");
  private static final JFunction JOIN = new JFunction((input, args) -> join(args), "<a<s>s?:s>");
  private static final JFunction STRING = new JFunction((input, args) -> string(args), "<x-b?:s>");
  private static final JFunction BEFORE = new JFunction((input, args) -> substring(args, true), "<s-s:s>");
  // date and integer pictures: JSONata pads widths and builds text in quadratic loops, and parses with a regex of its own
  private static final JFunction FROM_MILLIS = new JFunction((input, args) -> Functions.dateTimeFromMillis((Number) arg(args, 0),
      picture((String) arg(args, 1), "$fromMillis"), (String) arg(args, 2)), "<n-s?s?:s>");
  private static final JFunction TO_MILLIS = new JFunction((input, args) -> toMillis(args), "<s-s?:n>");
  private static final JFunction FORMAT_INTEGER = new JFunction((input, args) -> Functions.formatInteger((Number) arg(args, 0),
      picture((String) arg(args, 1), "$formatInteger")), "<n-s:s>");
  private static final JFunction PARSE_INTEGER = new JFunction((input, args) -> parseInteger(args), "<s-s:n>");
  private static final JFunction AFTER = new JFunction((input, args) -> substring(args, false), "<s-s:s>");
  private static final JFunction EVAL = new JFunction((input, args) -> {
    throw new JException("$eval is not available in workflow expressions: write the expression in the definition", -1);
  }, "<sx?:x>");

  /** Puts the bounded versions in front of JSONata's own for one evaluation. */
  static void bind(Jsonata.Frame frame) {
    frame.bind("match", MATCH);
    frame.bind("contains", CONTAINS);
    frame.bind("replace", REPLACE);
    frame.bind("split", SPLIT);
    frame.bind("pad", PAD);
    frame.bind("join", JOIN);
    frame.bind("string", STRING);
    frame.bind("substringBefore", BEFORE);
    frame.bind("fromMillis", FROM_MILLIS);
    frame.bind("toMillis", TO_MILLIS);
    frame.bind("formatInteger", FORMAT_INTEGER);
    frame.bind("parseInteger", PARSE_INTEGER);
    frame.bind("substringAfter", AFTER);
    frame.bind("eval", EVAL);
  }

  private static Object arg(List<?> args, int i) {
    return i < args.size() ? args.get(i) : null;
  }

  private static Pattern regex(Object pattern, String function) {
    if (pattern instanceof Pattern p) {
      return p;
    }
    throw new JException("the second argument of " + function + " must be a regular expression like /[0-9]+/", -1);
  }

  /** {@code $match(str, regex, limit?)}: an object per match ({@code match}, {@code index}, {@code groups}), at most {@code limit}. */
  private static Object match(List<?> args) {
    String str = (String) arg(args, 0);
    if (str == null) {
      return null;
    }
    Pattern regex = regex(arg(args, 1), "$match");
    Number limit = (Number) arg(args, 2);
    if (limit != null && limit.doubleValue() < 0) {
      throw new JException("D3040", -1, limit);
    }
    long max = limit == null ? Long.MAX_VALUE : limit.longValue();
    List<Object> result = Utils.createSequence(); // a sequence: no match is "nothing", as in JSONata
    EvaluationBudget budget = EvaluationBudget.current();
    Matcher m = regex.matcher(budget.text(str));
    while (result.size() < max && m.find()) {
      result.add(matchObject(m));
      budget.checkListSize(result.size());
    }
    return result;
  }

  private static Map<String, Object> matchObject(Matcher m) {
    EvaluationBudget budget = EvaluationBudget.current();
    List<String> groups = new ArrayList<>();
    budget.produced(m.end() - m.start(), 1);
    for (int g = 1; g <= m.groupCount(); g++) {
      String group = m.group(g);
      budget.produced(group == null ? 0 : group.length(), 1); // each group is a copy: nested groups copy the text again
      groups.add(group);
    }
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("match", m.group());
    o.put("index", m.start());
    o.put("groups", groups);
    return o;
  }

  private static Object contains(List<?> args) {
    String str = (String) arg(args, 0);
    if (str == null) {
      return null;
    }
    Object token = arg(args, 1);
    Pattern pattern = token instanceof String s ? literal(s) : regex(token, "$contains");
    return pattern.matcher(EvaluationBudget.current().text(str)).find();
  }

  /** {@code $replace(str, pattern, replacement, limit?)} as the JSONata specification has it, within the text limit. */
  private static Object replace(List<?> args) throws Throwable {
    String str = (String) arg(args, 0);
    if (str == null) {
      return null;
    }
    Object pattern = arg(args, 1);
    Object replacement = arg(args, 2);
    Number limit = (Number) arg(args, 3);
    if (pattern instanceof String s && s.isEmpty()) {
      throw new JException("D3010", -1);
    }
    if (replacement == null) {
      throw new JException("the third argument of $replace must be a text or a function; it is undefined", -1);
    }
    if (limit != null && limit.doubleValue() < 0) {
      throw new JException("D3011", -1);
    }
    long max = limit == null ? Long.MAX_VALUE : limit.longValue();
    EvaluationBudget budget = EvaluationBudget.current();
    StringBuilder out = new StringBuilder();
    int position = 0;
    long count = 0;
    if (pattern instanceof String s) { // searched for literally, against the clock: a naive search is length × length
      if (!(replacement instanceof String with)) {
        throw new JException("the third argument of $replace must be a text when the second is", -1);
      }
      Matcher m = literal(s).matcher(budget.text(str));
      while (count < max && m.find()) {
        append(out, str, position, m.start(), budget);
        append(out, with, budget);
        position = m.end();
        count++;
      }
    } else {
      Matcher m = regex(pattern, "$replace").matcher(budget.text(str));
      while (count < max && m.find()) {
        append(out, str, position, m.start(), budget);
        Object with = replacement instanceof String r ? substitute(r, m, budget) : Functions.funcApply(replacement, List.of(matchObject(m)));
        if (!(with instanceof String w)) {
          throw new JException("D3012", -1);
        }
        append(out, w, budget);
        position = m.end();
        count++;
      }
    }
    append(out, str, position, str.length(), budget);
    return out.toString();
  }

  private static void append(StringBuilder out, String s, EvaluationBudget budget) {
    append(out, s, 0, s.length(), budget);
  }

  private static void append(StringBuilder out, String s, int from, int to, EvaluationBudget budget) {
    budget.checkTextSize((long) out.length() + (to - from));
    out.append(s, from, to);
  }

  /** A replacement text with {@code $0} (the match), {@code $1}… (groups) and {@code $$} (a dollar sign) filled in. */
  static String substitute(String replacement, Matcher m, EvaluationBudget budget) {
    StringBuilder out = new StringBuilder();
    int groups = m.groupCount();
    int i = 0;
    while (i < replacement.length()) {
      char c = replacement.charAt(i);
      if (c != '$' || i + 1 == replacement.length()) {
        out.append(c);
        i++;
        continue;
      }
      char next = replacement.charAt(i + 1);
      if (next == '$') {
        out.append('$');
        i += 2;
      } else if (next == '0') {
        append(out, m.group(), budget);
        i += 2;
      } else if (next >= '1' && next <= '9') {
        // the longest group number that exists: with 12 groups "$12" is group 12, with 3 it is group 1 then "2"
        int end = i + 2;
        while (end < replacement.length() && Character.isDigit(replacement.charAt(end))
            && Integer.parseInt(replacement.substring(i + 1, end + 1)) <= groups) {
          end++;
        }
        int group = Integer.parseInt(replacement.substring(i + 1, end));
        if (group <= groups && m.group(group) != null) {
          append(out, m.group(group), budget);
        }
        i = end;
      } else {
        out.append('$');
        i++;
      }
    }
    return out.toString();
  }

  /** The longest picture a date or integer function takes, and the widest field in one. */
  static final int MAX_PICTURE = 128;
  static final int MAX_PICTURE_WIDTH = 64;
  private static final Pattern WIDTH = Pattern.compile("[,\\-]\\s*\\*?\\s*(\\d+)");
  /** The longest run of letters or digits in a text parsed by a picture: its parsing regex backtracks over runs. */
  private static final Pattern LONG_RUN = Pattern.compile("[\\p{Alnum}]{25}");

  /** A picture within the limits, or null (none given). */
  private static String picture(String picture, String function) {
    if (picture == null) {
      return null;
    }
    if (picture.length() > MAX_PICTURE) {
      throw new JException(function + " takes a picture of at most " + MAX_PICTURE + " characters; this one has " + picture.length(), -1);
    }
    Matcher m = WIDTH.matcher(picture);
    while (m.find()) {
      if (m.group(1).length() > 3 || Integer.parseInt(m.group(1)) > MAX_PICTURE_WIDTH) {
        throw new JException(function + " takes widths of at most " + MAX_PICTURE_WIDTH + " in a picture; this one asks for "
            + m.group(1), -1);
      }
    }
    return picture;
  }

  private static Object toMillis(List<?> args) {
    String timestamp = (String) arg(args, 0);
    String picture = picture((String) arg(args, 1), "$toMillis");
    if (timestamp != null && picture != null && LONG_RUN.matcher(timestamp).find()) {
      throw new JException("$toMillis with a picture reads at most 24 letters or digits in a row; '" + abbreviate(timestamp)
          + "' has more", -1);
    }
    try {
      return Functions.dateTimeToMillis(timestamp, picture);
    } catch (java.text.ParseException e) {
      throw new JException("$toMillis cannot read '" + abbreviate(timestamp) + "' with picture '" + picture + "'", -1);
    }
  }

  private static Object parseInteger(List<?> args) {
    String value = (String) arg(args, 0);
    String picture = picture((String) arg(args, 1), "$parseInteger");
    try {
      return Functions.parseInteger(value, picture);
    } catch (java.text.ParseException | RuntimeException e) {
      if (e instanceof JException j) {
        throw j;
      }
      throw new JException("$parseInteger cannot read '" + abbreviate(value) + "' with picture '" + picture + "'", -1);
    }
  }

  private static String abbreviate(String s) {
    return s == null ? "" : s.length() <= 40 ? s : s.substring(0, 40) + "…";
  }

  /** A pattern that finds {@code text} literally: its matcher reads (clocked) text, unlike {@link String#indexOf}. */
  private static Pattern literal(String text) {
    return Pattern.compile(Pattern.quote(text));
  }

  /** {@code $substringBefore} and {@code $substringAfter}, searching against the clock. */
  private static Object substring(List<?> args, boolean before) {
    String str = (String) arg(args, 0);
    String chars = (String) arg(args, 1);
    if (str == null) {
      return null;
    }
    if (chars == null) {
      return str;
    }
    Matcher m = literal(chars).matcher(EvaluationBudget.current().text(str));
    if (!m.find()) {
      return str;
    }
    return before ? str.substring(0, m.start()) : str.substring(m.end());
  }

  /** {@code $split(str, separator, limit?)}: at most {@code limit} parts, and never more than a list may hold. */
  private static Object split(List<?> args) {
    String str = (String) arg(args, 0);
    if (str == null) {
      return null;
    }
    Object separator = arg(args, 1);
    Number limit = (Number) arg(args, 2);
    if (limit != null && limit.doubleValue() < 0) {
      throw new JException("D3020", -1, str);
    }
    EvaluationBudget budget = EvaluationBudget.current();
    long max = limit == null ? Long.MAX_VALUE : limit.longValue();
    List<String> parts = new ArrayList<>();
    if (separator instanceof String sep && sep.isEmpty()) { // into characters
      for (int i = 0; i < str.length() && parts.size() < max; i++) {
        parts.add(String.valueOf(str.charAt(i)));
        budget.checkListSize(parts.size());
      }
      return parts;
    }
    Matcher m = (separator instanceof String sep ? literal(sep) : regex(separator, "$split"))
        .matcher(budget.text(str));
    int from = 0;
    while (parts.size() < max && m.find()) {
      if (m.end() == 0) { // a zero-width match at the start makes no empty first part (as String.split)
        continue;
      }
      parts.add(str.substring(from, m.start()));
      budget.checkListSize(parts.size());
      from = m.end();
    }
    if (parts.size() < max) {
      parts.add(str.substring(from));
    }
    return parts;
  }

  /** {@code $join(texts, separator?)}: the size is checked before the text is built. */
  private static Object join(List<?> args) {
    @SuppressWarnings("unchecked")
    List<String> texts = (List<String>) arg(args, 0);
    if (texts == null) {
      return null;
    }
    String separator = arg(args, 1) == null ? "" : (String) arg(args, 1);
    long size = (long) separator.length() * Math.max(0, texts.size() - 1);
    for (String t : texts) {
      size += t == null ? 4 : t.length();
    }
    EvaluationBudget.current().checkTextSize(size);
    return Functions.join(texts, separator);
  }

  /** {@code $string(value, prettify?)}: the size is measured (up to the limit) before the text is built. */
  private static Object string(List<?> args) {
    Object value = arg(args, 0);
    boolean pretty = Boolean.TRUE.equals(arg(args, 1));
    EvaluationBudget budget = EvaluationBudget.current();
    budget.checkTextSize(measure(value, pretty, EvaluationBudget.MAX_TEXT_CHARS + 1L));
    return Functions.string(value, (Boolean) arg(args, 1));
  }

  /**
   * At least the characters {@code value} takes as JSON (escapes, and a pretty print's line breaks
   * and indentation, counted), counting no further than {@code cap}.
   */
  private static long measure(Object value, boolean pretty, long cap) {
    long size = 0;
    java.util.ArrayDeque<Object[]> todo = new java.util.ArrayDeque<>();
    todo.push(new Object[] {value == null ? "null" : value, 0});
    while (!todo.isEmpty() && size < cap) {
      Object[] next = todo.pop();
      Object v = next[0];
      int depth = (int) next[1];
      size += pretty ? 1 + 2L * depth : 0; // its line and indentation
      if (v instanceof CharSequence t) {
        size += escaped(t) + 2;
      } else if (v instanceof Map<?, ?> m) {
        size += 2;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          size += escaped(String.valueOf(e.getKey())) + 4;
          todo.push(new Object[] {e.getValue() == null ? "null" : e.getValue(), depth + 1});
        }
      } else if (v instanceof List<?> l) {
        size += 2 + l.size();
        for (Object x : l) {
          todo.push(new Object[] {x == null ? "null" : x, depth + 1});
        }
      } else {
        size += 24; // a number or boolean, with room for a long double
      }
    }
    return size;
  }

  /** The length of a text as a JSON string: control characters take six. */
  private static long escaped(CharSequence t) {
    long n = t.length();
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c < 0x20) {
        n += 5;
      } else if (c == '"' || c == '\\') {
        n += 1;
      }
    }
    return n;
  }

  /** {@code $pad(str, width, char?)}: to the right for a positive width, the left for a negative one; the size is checked first. */
  private static Object pad(List<?> args) {
    String str = (String) arg(args, 0);
    if (str == null) {
      return null;
    }
    if (!(arg(args, 1) instanceof Number n)) {
      throw new JException("the second argument of $pad must be a number (the width)", -1);
    }
    long width = n.longValue();
    String with = (String) arg(args, 2);
    if (with == null || with.isEmpty()) {
      with = " ";
    }
    long size = Math.abs(width);
    EvaluationBudget.current().checkTextSize(size);
    long pads = size - str.codePointCount(0, str.length());
    if (pads <= 0) {
      return str;
    }
    int[] points = with.codePoints().toArray();
    StringBuilder padding = new StringBuilder();
    for (long k = 0; k < pads; k++) {
      padding.appendCodePoint(points[(int) (k % points.length)]);
    }
    return width < 0 ? padding + str : str + padding;
  }
}
