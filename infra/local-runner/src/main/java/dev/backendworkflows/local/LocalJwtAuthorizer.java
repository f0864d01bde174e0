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
 * a bearer token signed with the runner's dev secret (HS256), which must carry an unexpired
 * {@code exp} (and the issuer and audience, when those are configured), and hands its claims to
 * the function, as API Gateway does after checking your identity provider's signature, issuer and audience.
 */
final class LocalJwtAuthorizer {
  private final JWTVerifier verifier;

  /** @param secret the dev HS256 secret ({@code --jwt-secret}); null means no user can be authorized */
  LocalJwtAuthorizer(String secret) {
    this(secret, null, null);
  }

  /** Also requires {@code iss} = {@code issuer} and {@code aud} to include {@code audience}, each when given. */
  LocalJwtAuthorizer(String secret, String issuer, String audience) {
    if (secret == null) {
      this.verifier = null;
      return;
    }
    var v = JWT.require(Algorithm.HMAC256(secret));
    if (issuer != null && !issuer.isBlank()) {
      v.withIssuer(issuer);
    }
    if (audience != null && !audience.isBlank()) {
      v.withAudience(audience);
    }
    this.verifier = v.build();
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
      if (jwt.getExpiresAt() == null) { // a token that never expires is not one an identity provider issues
        return Optional.empty();
      }
      String payload = new String(Base64.getUrlDecoder().decode(jwt.getPayload()), StandardCharsets.UTF_8);
      return Optional.of(Json.object(Json.tree(payload)));
    } catch (JWTVerificationException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
