package dev.backendworkflows.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where {@code api_call} may connect. By default: any host whose every address is public — never a
 * loopback, private, shared (CGNAT), link-local (the instance metadata service among them),
 * multicast, unspecified, broadcast or reserved address, in IPv4, IPv6 or IPv4-mapped form. With
 * {@code allowedHosts} only those hosts (exact names, or {@code *.example.com} for its subdomains);
 * with {@code allowPrivate} non-public addresses too (the local runner's {@code --allow-private-outbound},
 * for APIs on localhost while developing).
 */
public record OutboundPolicy(List<String> allowedHosts, boolean allowPrivate) {
  /** Public hosts only: the default everywhere. */
  public static final OutboundPolicy PUBLIC_ONLY = new OutboundPolicy(List.of(), false);
  public static final String ENV_ALLOWED_HOSTS = "OUTBOUND_ALLOWED_HOSTS";
  public static final String ENV_ALLOW_PRIVATE = "OUTBOUND_ALLOW_PRIVATE";

  public OutboundPolicy {
    allowedHosts = allowedHosts == null ? List.of() : allowedHosts.stream().map(h -> h.strip().toLowerCase(Locale.ROOT))
        .filter(h -> !h.isEmpty()).toList();
  }

  /** Public hosts and private addresses alike (tests and local development against local servers). */
  public static OutboundPolicy allowingPrivate() {
    return new OutboundPolicy(List.of(), true);
  }

  /** From {@value #ENV_ALLOWED_HOSTS} (comma-separated; empty: any public host) and {@value #ENV_ALLOW_PRIVATE} ({@code true}). */
  public static OutboundPolicy fromEnvironment(Map<String, String> env) {
    String hosts = env.getOrDefault(ENV_ALLOWED_HOSTS, "");
    return new OutboundPolicy(hosts.isBlank() ? List.of() : Arrays.asList(hosts.split(",")),
        "true".equalsIgnoreCase(env.getOrDefault(ENV_ALLOW_PRIVATE, "false")));
  }

  /** Whether a host name may be called at all (before its addresses are looked at). */
  public boolean hostAllowed(String host) {
    if (allowedHosts.isEmpty()) {
      return true;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return allowedHosts.stream().anyMatch(a -> a.startsWith("*.") ? h.endsWith(a.substring(1)) : h.equals(a));
  }

  /** Whether a resolved address may be connected to under this policy. */
  public boolean addressAllowed(InetAddress a) {
    return allowPrivate || isPublic(a);
  }

  /** True for addresses on the public internet; false for every special-purpose range. */
  public static boolean isPublic(InetAddress a) {
    if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
        || a.isMulticastAddress()) {
      return false;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      return publicV4(b);
    }
    if (a instanceof Inet6Address) {
      int first = b[0] & 0xff;
      if ((first & 0xfe) == 0xfc) { // fc00::/7 unique local (AWS's IPv6 metadata fd00:ec2::254 among them)
        return false;
      }
      if (isMappedOrCompatibleV4(b)) { // ::ffff:a.b.c.d and ::a.b.c.d carry an IPv4 address
        return publicV4(Arrays.copyOfRange(b, 12, 16));
      }
      if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) { // 64:ff9b::/96 NAT64
        return publicV4(Arrays.copyOfRange(b, 12, 16));
      }
      if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) { // 2002::/16 6to4 carries an IPv4 address
        return publicV4(Arrays.copyOfRange(b, 2, 6));
      }
      return (first & 0xe0) == 0x20; // global unicast is 2000::/3
    }
    return false;
  }

  private static boolean isMappedOrCompatibleV4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return (b[10] == (byte) 0xff && b[11] == (byte) 0xff) || (b[10] == 0 && b[11] == 0);
  }

  private static boolean publicV4(byte[] b) {
    int x = b[0] & 0xff;
    int y = b[1] & 0xff;
    return !(x == 0 || x == 10 || x == 127 || x >= 224 // this network, private, loopback, multicast and reserved (240/4, broadcast)
        || (x == 100 && y >= 64 && y <= 127) // shared address space (CGNAT)
        || (x == 169 && y == 254) // link-local: the instance metadata service
        || (x == 172 && y >= 16 && y <= 31) || (x == 192 && y == 168) // private
        || (x == 192 && y == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
        || (x == 198 && (y == 18 || y == 19))); // benchmarking
  }
}
