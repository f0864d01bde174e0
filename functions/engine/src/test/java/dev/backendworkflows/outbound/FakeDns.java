package dev.backendworkflows.outbound;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A DNS whose answers for {@code *.test} names a test scripts (one answer per lookup, the last one
 * repeating), put behind the shipped pinning resolver through its fault hook; other names go to the
 * JDK's resolver.
 */
final class FakeDns {
  private static final Map<String, Deque<InetAddress>> ANSWERS = new ConcurrentHashMap<>();
  private static final Map<String, AtomicInteger> LOOKUPS = new ConcurrentHashMap<>();

  private FakeDns() {
  }

  /** Puts the fake behind the JVM's resolver (idempotent). */
  static void install() {
    PinnedNames.divert(builtin -> new InetAddressResolver() {
      @Override
      public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
        Deque<InetAddress> answers = ANSWERS.get(host.toLowerCase(Locale.ROOT));
        if (answers == null) {
          return builtin.lookupByName(host, policy);
        }
        LOOKUPS.get(host.toLowerCase(Locale.ROOT)).incrementAndGet();
        synchronized (answers) {
          return Stream.of(answers.size() > 1 ? answers.poll() : answers.peek());
        }
      }

      @Override
      public String lookupByAddress(byte[] addr) throws UnknownHostException {
        return builtin.lookupByAddress(addr);
      }
    });
  }

  /** The answers DNS gives for {@code name}, one per lookup. */
  static void script(String name, List<InetAddress> answers) {
    ANSWERS.put(name.toLowerCase(Locale.ROOT), new ArrayDeque<>(answers));
    LOOKUPS.put(name.toLowerCase(Locale.ROOT), new AtomicInteger());
  }

  /** How often DNS was asked for {@code name}. */
  static int lookups(String name) {
    return LOOKUPS.get(name.toLowerCase(Locale.ROOT)).get();
  }
}
