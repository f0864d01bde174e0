package dev.backendworkflows.internal;

import java.security.SecureRandom;
import java.time.Instant;

/**
 * Time-ordered unique ids (ULID layout: 48-bit milliseconds + 80 random bits, Crockford base32),
 * so sorting things by id sorts them by creation time.
 */
public final class Ids {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
  private static final SecureRandom RANDOM = new SecureRandom();

  private Ids() {}

  public static String newId(Instant now) {
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    return ulid(now, random);
  }

  /**
   * A ULID whose time part is {@code time} and whose other 80 bits derive from {@code parts}: the
   * same inputs always give the same id. A step replayed after a crash derives the ids of what it
   * creates from (execution, step, item), so it finds its own earlier effect instead of a twin.
   */
  public static String derived(Instant time, String... parts) {
    return ulid(time, java.util.Arrays.copyOf(digest(parts), 10));
  }

  /** A stable key of {@code parts}: 32 lower-case hex characters of their SHA-256. */
  public static String hash(String... parts) {
    return java.util.HexFormat.of().formatHex(digest(parts), 0, 16);
  }

  private static byte[] digest(String... parts) {
    try {
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      for (String part : parts) {
        byte[] b = String.valueOf(part).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        // length-prefixed, so ("ab", "c") and ("a", "bc") differ
        sha.update(java.nio.ByteBuffer.allocate(4).putInt(b.length).array());
        sha.update(b);
      }
      return sha.digest();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String ulid(Instant now, byte[] random) {
    char[] out = new char[26];
    long time = now.toEpochMilli();
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    long hi = 0;
    long lo = 0;
    for (int i = 0; i < 5; i++) hi = (hi << 8) | (random[i] & 0xff);
    for (int i = 5; i < 10; i++) lo = (lo << 8) | (random[i] & 0xff);
    for (int i = 17; i >= 10; i--) {
      out[i] = ALPHABET[(int) (hi & 31)];
      hi >>>= 5;
    }
    for (int i = 25; i >= 18; i--) {
      out[i] = ALPHABET[(int) (lo & 31)];
      lo >>>= 5;
    }
    return new String(out);
  }

  /** A random secret of {@code bytes} bytes, URL-safe base64 without padding. */
  public static String secret(int bytes) {
    byte[] b = new byte[bytes];
    RANDOM.nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }
}
