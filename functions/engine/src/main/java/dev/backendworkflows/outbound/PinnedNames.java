package dev.backendworkflows.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.spi.InetAddressResolver;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Names the outbound guard has checked, pinned to the addresses it checked while their call is under
 * way: the JVM's resolver ({@link PinningResolverProvider}) answers a pinned name with those addresses
 * instead of asking DNS again, so the HTTP client connects to exactly what was checked and a DNS
 * answer that changes in between (DNS rebinding) is never used.
 */
final class PinnedNames {
  private static final Map<String, Pin> PINS = new ConcurrentHashMap<>();
  /** The JDK's own resolver, once the JVM resolves through here. */
  private static volatile InetAddressResolver builtin;
  /** Where names that are not pinned are looked up: the JDK's resolver, or a test's DNS ({@link #divert}). */
  private static volatile InetAddressResolver dns;

  static {
    try { // the JVM picks its resolver at the first lookup of a name: make that happen now, in this class loader's context
      InetAddress.getAllByName("localhost");
    } catch (UnknownHostException | RuntimeException | java.util.ServiceConfigurationError e) {
      // no localhost (the resolver was chosen all the same), or no resolver could be loaded: installed() says so
    }
  }

  private PinnedNames() {
  }

  /** The resolver the JVM uses: pinned names from here, every other name from {@code next}. */
  static InetAddressResolver resolverOver(InetAddressResolver next) {
    builtin = next;
    dns = next;
    return new Resolver();
  }

  /** Whether the JVM resolves names through here (its resolver provider was found when the first name was looked up). */
  static boolean installed() {
    return builtin != null;
  }

  /** Fault hook for tests: names that are not pinned are looked up through what {@code fake} makes of the JDK's resolver. */
  static void divert(java.util.function.UnaryOperator<InetAddressResolver> fake) {
    if (builtin == null) {
      throw new IllegalStateException("the JVM does not resolve names through " + PinningResolverProvider.class.getName());
    }
    dns = fake.apply(builtin);
  }

  /** Pins {@code host} to {@code addresses} until the handle is closed; pins of concurrent calls add up. */
  static Handle pin(String host, InetAddress[] addresses) {
    String key = host.toLowerCase(Locale.ROOT);
    PINS.compute(key, (k, pin) -> pin == null ? new Pin(Set.copyOf(Arrays.asList(addresses)), 1) : pin.with(addresses));
    return () -> PINS.computeIfPresent(key, (k, pin) -> pin.holders == 1 ? null : new Pin(pin.addresses, pin.holders - 1));
  }

  /** Ends a pin. */
  interface Handle extends AutoCloseable {
    @Override
    void close();
  }

  private record Pin(Set<InetAddress> addresses, int holders) {
    Pin with(InetAddress[] more) {
      Set<InetAddress> all = new LinkedHashSet<>(addresses);
      all.addAll(Arrays.asList(more));
      return new Pin(Set.copyOf(all), holders + 1);
    }
  }

  private static final class Resolver implements InetAddressResolver {
    @Override
    public Stream<InetAddress> lookupByName(String host, LookupPolicy policy) throws UnknownHostException {
      Pin pin = PINS.get(host.toLowerCase(Locale.ROOT));
      if (pin == null) {
        return dns.lookupByName(host, policy);
      }
      int c = policy.characteristics();
      InetAddress[] fitting = pin.addresses.stream()
          .filter(a -> a instanceof Inet4Address ? (c & LookupPolicy.IPV4) != 0 : a instanceof Inet6Address && (c & LookupPolicy.IPV6) != 0)
          .sorted(Comparator.comparingInt(a -> (c & LookupPolicy.IPV6_FIRST) != 0 == a instanceof Inet6Address ? 0 : 1))
          .toArray(InetAddress[]::new);
      if (fitting.length == 0) {
        throw new UnknownHostException(host);
      }
      return Arrays.stream(fitting);
    }

    @Override
    public String lookupByAddress(byte[] addr) throws UnknownHostException {
      return dns.lookupByAddress(addr);
    }
  }
}
