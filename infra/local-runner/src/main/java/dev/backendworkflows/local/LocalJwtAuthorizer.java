package dev.backendworkflows.local;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import dev.backendworkflows.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Stands in for API Gateway's JWT authorizer on the routes of {@code auth: user} workflows: checks
 * a bearer token signed with the runner's dev secret (HS256) and hands its claims to the function,
 * as API Gateway does after checking your identity provider's signature, issuer and audience.
 */
final class LocalJwtAuthorizer {
  private final JWTVerifier verifier;

  /** @param secret the dev HS256 secret ({@code --jwt-secret}); null means no user can be authorized */
  LocalJwtAuthorizer(String secret) {
    this.verifier = secret == null ? null : JWT.require(Algorithm.HMAC256(secret)).build();
  }

  boolean enabled() {
    return verifier != null;
  }

  /** The verified token's claims, or empty when the header holds no valid token. */
  Optional<Map<String, Object>> claims(String authorization) {
    if (verifier == null || authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    try {
      DecodedJWT jwt = verifier.verify(authorization.substring(7).strip());
      String payload = new String(Base64.getUrlDecoder().decode(jwt.getPayload()), StandardCharsets.UTF_8);
      return Optional.of(Json.object(Json.tree(payload)));
    } catch (JWTVerificationException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
