package dev.backendworkflows.outbound;

import java.net.spi.InetAddressResolver;
import java.net.spi.InetAddressResolverProvider;

/**
 * The JVM's resolver (registered in {@code META-INF/services}): the JDK's own, except for names the
 * outbound guard has pinned to the addresses it checked ({@link PinnedNames}).
 */
public final class PinningResolverProvider extends InetAddressResolverProvider {
  @Override
  public InetAddressResolver get(Configuration configuration) {
    return PinnedNames.resolverOver(configuration.builtinResolver());
  }

  @Override
  public String name() {
    return "backend-workflows-pinned-names";
  }
}
