package dev.backendworkflows.http;

import dev.backendworkflows.definition.Trigger;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks the signature webhook providers put on a request ({@code auth: signature}): an
 * HMAC-SHA256 of the raw body made with a shared secret, compared in constant time. Schemes:
 * {@code stripe} ({@code Stripe-Signature: t=<unix time>,v1=<hex>} over {@code "<t>.<body>"}) and
 * {@code hmac-sha256} (the hex digest in a named header, {@code sha256=} before it allowed, over the
 * body — or over {@code "<timestamp>.<body>"} when a timestamp header is named). A signed time
 * further from now than the tolerance is a replay, and refused.
 */
final class Signatures {
  private Signatures() {}

  /** What is wrong with the request's signature, or empty when it is valid. */
  /** The header a signed request carries its signature in: Stripe's own, or the one the workflow names. */
  static String headerName(Trigger.Signature sig) {
    return sig.scheme().equals("stripe") ? "Stripe-Signature" : sig.header();
  }

  static Optional<String> problem(Trigger.Signature sig, ApiRequest request, String secret, Instant now) {
    String body = request.body() == null ? "" : request.body();
    return switch (sig.scheme()) {
      case "stripe" -> stripe(sig, request.header(headerName(sig)), body, secret, now);
      default -> header(sig, request, body, secret, now);
    };
  }

  private static Optional<String> stripe(Trigger.Signature sig, String header, String body, String secret, Instant now) {
    if (header == null || header.isBlank()) {
      return Optional.of("the Stripe-Signature header is missing");
    }
    String t = null;
    List<String> v1 = new ArrayList<>();
    for (String part : header.split(",")) {
      String[] kv = part.strip().split("=", 2);
      if (kv.length == 2 && kv[0].equals("t")) {
        t = kv[1];
      } else if (kv.length == 2 && kv[0].equals("v1")) {
        v1.add(kv[1]);
      }
    }
    if (t == null || v1.isEmpty()) {
      return Optional.of("the Stripe-Signature header has no t= and v1= parts");
    }
    Optional<String> stale = tooFar(t, sig, now);
    if (stale.isPresent()) {
      return stale;
    }
    byte[] expected = hmac(secret, t + "." + body);
    return v1.stream().anyMatch(s -> same(expected, s)) ? Optional.empty() : Optional.of("no v1 signature matches the body");
  }

  private static Optional<String> header(Trigger.Signature sig, ApiRequest request, String body, String secret, Instant now) {
    String value = request.header(sig.header());
    if (value == null || value.isBlank()) {
      return Optional.of("the " + sig.header() + " header is missing");
    }
    String signed = body;
    if (sig.timestampHeader() != null) {
      String t = request.header(sig.timestampHeader());
      if (t == null) {
        return Optional.of("the " + sig.timestampHeader() + " header is missing");
      }
      Optional<String> stale = tooFar(t, sig, now);
      if (stale.isPresent()) {
        return stale;
      }
      signed = t.strip() + "." + body;
    }
    String hex = value.strip();
    if (hex.toLowerCase(Locale.ROOT).startsWith("sha256=")) {
      hex = hex.substring(7);
    }
    return same(hmac(secret, signed), hex) ? Optional.empty() : Optional.of("the signature does not match the body");
  }

  private static Optional<String> tooFar(String unixTime, Trigger.Signature sig, Instant now) {
    long t;
    try {
      t = Long.parseLong(unixTime.strip());
    } catch (NumberFormatException e) {
      return Optional.of("the signed timestamp is not a Unix time");
    }
    return Math.abs(now.getEpochSecond() - t) > sig.toleranceS()
        ? Optional.of("the signed timestamp is more than " + sig.toleranceS() + " s from now (a replay, or a clock far off)")
        : Optional.empty();
  }

  private static boolean same(byte[] expected, String hex) {
    byte[] given;
    try {
      given = HexFormat.of().parseHex(hex.strip().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException notHex) {
      return false;
    }
    return MessageDigest.isEqual(expected, given); // constant time
  }

  static byte[] hmac(String secret, String content) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac.doFinal(content.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}
