package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.definition.Values;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Converts plain JSON values to DynamoDB attribute values and back, with Jackson's number types. */
final class AttributeValues {
  private AttributeValues() {}

  static AttributeValue of(Object v) {
    if (v == null) {
      return AttributeValue.fromNul(true);
    }
    if (v instanceof String s) {
      return AttributeValue.fromS(s);
    }
    if (v instanceof Boolean b) {
      return AttributeValue.fromBool(b);
    }
    if (v instanceof Number n) {
      return AttributeValue.fromN(n instanceof BigDecimal d ? d.toPlainString() : n.toString());
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, AttributeValue> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), of(x)));
      return AttributeValue.fromM(out);
    }
    if (v instanceof List<?> l) {
      return AttributeValue.fromL(l.stream().map(AttributeValues::of).toList());
    }
    throw new IllegalArgumentException("cannot store a " + v.getClass().getSimpleName());
  }

  static Object plain(AttributeValue a) {
    if (a.s() != null) {
      return a.s();
    }
    if (a.n() != null) {
      return number(a.n());
    }
    if (a.bool() != null) {
      return a.bool();
    }
    if (Boolean.TRUE.equals(a.nul())) {
      return null;
    }
    if (a.hasM()) {
      return plainMap(a.m());
    }
    if (a.hasL()) {
      List<Object> out = new ArrayList<>();
      a.l().forEach(x -> out.add(plain(x)));
      return out;
    }
    throw new IllegalArgumentException("unsupported attribute type: " + a.type());
  }

  static Map<String, Object> plainMap(Map<String, AttributeValue> m) {
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, x) -> out.put(k, plain(x)));
    return out;
  }

  private static Object number(String n) {
    return Values.number(new BigDecimal(n));
  }
}
