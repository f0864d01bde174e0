package dev.backendworkflows.aws.dynamodb;

import com.fasterxml.jackson.databind.JsonNode;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.datachange.ThingChange;
import dev.backendworkflows.definition.Trigger.ChangeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Reads the records of a DynamoDB Streams event as Lambda delivers it ({@code {"Records": [{"eventName",
 * "eventSource": "aws:dynamodb", "dynamodb": {"SequenceNumber", "ApproximateCreationDateTime",
 * "Keys", "OldImage", "NewImage"}}]}}, images in DynamoDB JSON) as changes of things, decoded as
 * {@link DynamoDbThingStore} decodes its items.
 */
public final class StreamRecords {
  private StreamRecords() {}

  /** A stream record's {@code eventName} for each change event of a data_change trigger. */
  public static final Map<ChangeEvent, String> EVENT_NAMES = Map.of(ChangeEvent.CREATED, "INSERT", ChangeEvent.CHANGED, "MODIFY",
      ChangeEvent.DELETED, "REMOVE");

  /** Whether {@code event} is a batch of DynamoDB stream records. */
  public static boolean isBatch(JsonNode event) {
    JsonNode records = event.path("Records");
    return records.isArray() && !records.isEmpty() && "aws:dynamodb".equals(records.get(0).path("eventSource").asText());
  }

  /** A record's sequence number: the id its batch item failure gives. */
  public static String sequence(JsonNode record) {
    return record.path("dynamodb").path("SequenceNumber").asText();
  }

  /**
   * The change a stream record shows, or null when its item is not a thing (a claim or an index
   * entry, which the event source's filter normally keeps out).
   *
   * @throws IllegalArgumentException when the record is not one of the Things table's (no
   *     sequence number, an image that is not DynamoDB JSON)
   */
  public static ThingChange change(JsonNode record) {
    JsonNode d = record.path("dynamodb");
    String sequence = d.path("SequenceNumber").asText(null);
    if (sequence == null || sequence.isEmpty()) {
      throw new IllegalArgumentException("a stream record without dynamodb.SequenceNumber");
    }
    String event = record.path("eventName").asText();
    if (!EVENT_NAMES.containsValue(event)) {
      throw new IllegalArgumentException("a stream record with eventName '" + event + "' (expected INSERT, MODIFY or REMOVE)");
    }
    // an INSERT has no image before it, a REMOVE none after it (some emulators send an empty one)
    Map<String, AttributeValue> oldImage = event.equals(EVENT_NAMES.get(ChangeEvent.CREATED)) ? null : required(d, "OldImage", event);
    Map<String, AttributeValue> newImage = event.equals(EVENT_NAMES.get(ChangeEvent.DELETED)) ? null : required(d, "NewImage", event);
    boolean thing = newImage != null ? DynamoDbThingStore.isThing(newImage) : DynamoDbThingStore.isThing(oldImage);
    if (!thing) {
      return null;
    }
    Thing before = oldImage == null ? null : DynamoDbThingStore.decode(oldImage);
    Thing after = newImage == null ? null : DynamoDbThingStore.decode(newImage);
    int depth = DynamoDbThingStore.depthOf(after != null ? newImage : oldImage);
    JsonNode time = d.path("ApproximateCreationDateTime");
    Instant at = time.isNumber() ? Instant.ofEpochMilli(time.decimalValue().movePointRight(3).longValue())
        : after != null ? after.modifiedAt() : before.modifiedAt();
    return ThingChange.of(sequence, before, after, depth, at);
  }

  /** An image the event must carry: without it the stream does not show what data_change triggers read. */
  private static Map<String, AttributeValue> required(JsonNode d, String image, String event) {
    if (!d.path(image).isObject() || d.path(image).isEmpty()) {
      throw new IllegalArgumentException("a " + event + " stream record without dynamodb." + image + ": the Things table's stream "
          + "must show new and old images (StreamViewType NEW_AND_OLD_IMAGES), not " + d.path("StreamViewType").asText("(unknown)"));
    }
    return image(d.get(image));
  }

  /** An item image in DynamoDB JSON ({@code {"name": {"S": "…"}, …}}). */
  static Map<String, AttributeValue> image(JsonNode json) {
    if (!json.isObject()) {
      throw new IllegalArgumentException("an item image must be an object of attributes");
    }
    Map<String, AttributeValue> item = new LinkedHashMap<>();
    json.fields().forEachRemaining(e -> item.put(e.getKey(), attribute(e.getValue())));
    return item;
  }

  /** One attribute value in DynamoDB JSON: {@code {"S": …}}, {@code {"N": …}}, {@code {"M": {…}}} and the rest. */
  static AttributeValue attribute(JsonNode json) {
    if (!json.isObject() || json.size() != 1) {
      throw new IllegalArgumentException("an attribute value must be an object with one type key, e.g. {\"S\": \"text\"}");
    }
    var e = json.fields().next();
    JsonNode v = e.getValue();
    return switch (e.getKey()) {
      case "S" -> AttributeValue.fromS(v.asText());
      case "N" -> AttributeValue.fromN(v.asText());
      case "BOOL" -> AttributeValue.fromBool(v.asBoolean());
      case "NULL" -> AttributeValue.fromNul(true);
      case "M" -> AttributeValue.fromM(image(v));
      case "L" -> {
        List<AttributeValue> list = new ArrayList<>();
        v.forEach(x -> list.add(attribute(x)));
        yield AttributeValue.fromL(list);
      }
      case "SS" -> AttributeValue.fromSs(texts(v));
      case "NS" -> AttributeValue.fromNs(texts(v));
      case "B" -> AttributeValue.fromB(SdkBytes.fromByteArray(java.util.Base64.getDecoder().decode(v.asText())));
      case "BS" -> AttributeValue.fromBs(texts(v).stream().map(b -> SdkBytes.fromByteArray(java.util.Base64.getDecoder().decode(b))).toList());
      default -> throw new IllegalArgumentException("unknown attribute type '" + e.getKey() + "'");
    };
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(x -> out.add(x.asText()));
    return out;
  }

  /**
   * A stream record as Lambda delivers it for the change from {@code before} to {@code after}
   * (either may be null), the new image written at {@code depth}: for sample events and tests.
   */
  public static Map<String, Object> record(String sequence, Thing before, Thing after, int depth, Instant at) {
    return record(sequence, before, 0, after, depth, at);
  }

  /** As {@link #record(String, Thing, Thing, int, Instant)}, the old image written at {@code beforeDepth}. */
  public static Map<String, Object> record(String sequence, Thing before, int beforeDepth, Thing after, int depth, Instant at) {
    Thing some = after != null ? after : before;
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("ApproximateCreationDateTime", at.getEpochSecond());
    d.put("Keys", json(DynamoDbThingStore.key(some.type(), some.id())));
    if (after != null) {
      d.put("NewImage", json(DynamoDbThingStore.item(after, depth)));
    }
    if (before != null) {
      d.put("OldImage", json(DynamoDbThingStore.item(before, beforeDepth)));
    }
    d.put("SequenceNumber", sequence);
    d.put("SizeBytes", 256);
    d.put("StreamViewType", "NEW_AND_OLD_IMAGES");
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("eventID", sequence);
    r.put("eventName", EVENT_NAMES.get(before == null ? ChangeEvent.CREATED : after == null ? ChangeEvent.DELETED : ChangeEvent.CHANGED));
    r.put("eventVersion", "1.1");
    r.put("eventSource", "aws:dynamodb");
    r.put("awsRegion", "us-east-1");
    r.put("dynamodb", d);
    r.put("eventSourceARN", "arn:aws:dynamodb:us-east-1:000000000000:table/backend-workflows-things/stream/2026-01-01T00:00:00.000");
    return r;
  }

  /** An item in DynamoDB JSON. */
  public static Map<String, Object> json(Map<String, AttributeValue> item) {
    Map<String, Object> out = new java.util.TreeMap<>();
    item.forEach((k, v) -> out.put(k, json(v)));
    return out;
  }

  /** One attribute value in DynamoDB JSON. */
  public static Map<String, Object> json(AttributeValue a) {
    return switch (a.type()) {
      case S -> Map.of("S", a.s());
      case N -> Map.of("N", a.n());
      case BOOL -> Map.of("BOOL", a.bool());
      case NUL -> Map.of("NULL", true);
      case M -> Map.of("M", json(a.m()));
      case L -> Map.of("L", a.l().stream().map(StreamRecords::json).toList());
      case SS -> Map.of("SS", a.ss());
      case NS -> Map.of("NS", a.ns());
      case B -> Map.of("B", java.util.Base64.getEncoder().encodeToString(a.b().asByteArray()));
      case BS -> Map.of("BS", a.bs().stream().map(b -> java.util.Base64.getEncoder().encodeToString(b.asByteArray())).toList());
      default -> throw new IllegalArgumentException("unknown attribute type " + a.type());
    };
  }
}
