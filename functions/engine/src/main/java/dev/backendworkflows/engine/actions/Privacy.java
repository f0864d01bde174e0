package dev.backendworkflows.engine.actions;

import dev.backendworkflows.data.Constraint;
import dev.backendworkflows.data.Thing;
import dev.backendworkflows.definition.DataType;
import dev.backendworkflows.definition.PrivacyRules;
import dev.backendworkflows.exceptions.ActionException;
import dev.backendworkflows.exceptions.ForbiddenByPrivacyException;
import dev.backendworkflows.expression.Scope;
import dev.backendworkflows.expression.Template;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * For whom a data step acts, and the data schema's privacy rules applied for them. A step of a run
 * an end user started — {@code auth: user}, or {@code auth: none} (anonymous) — and of the custom
 * events it runs, acts for that user; so does a step that says {@code as_user}. Other steps act as
 * the system, which the rules do not restrict, and so does a step that says {@code ignore_privacy}
 * (its {@code privacy_reason} goes in the run log). Types without rules are open to everyone.
 */
final class Privacy {
  /** The system: no rule applies. */
  static final Privacy SYSTEM = new Privacy(false, null);

  private final boolean enforced;
  /** The user's claims; null for an anonymous caller. */
  private final Map<String, Object> user;

  private Privacy(boolean enforced, Map<String, Object> user) {
    this.enforced = enforced;
    this.user = user;
  }

  /** For whom {@code ctx}'s step acts. A run an end user started carries their claims; an anonymous one, none (an empty map). */
  static Privacy of(ActionContext ctx) {
    if (Boolean.TRUE.equals(ctx.arg("ignore_privacy"))) {
      if (ctx.user() != null) { // recorded where it matters: where rules would have applied
        ctx.notePrivacy("ignored: " + ctx.text("privacy_reason"));
      }
      return SYSTEM;
    }
    if (ctx.has("as_user")) {
      if (ctx.user() != null) { // the loader refuses it in workflows end users call; a custom event of one lands here
        throw new ForbiddenByPrivacyException("A step of a run an end user started cannot act as another user (as_user)");
      }
      Object asUser = ctx.arg("as_user");
      if (asUser != null && !(asUser instanceof Map)) {
        throw new ActionException("invalid_argument", "as_user must be an object of the user's claims (e.g. { sub: ... }), got "
            + dev.backendworkflows.definition.Values.kind(asUser));
      }
      @SuppressWarnings("unchecked")
      Map<String, Object> claims = (Map<String, Object>) asUser;
      ctx.notePrivacy(claims == null || claims.isEmpty() ? "as an anonymous user" : "as user " + claims.get("sub"));
      return new Privacy(true, claims == null || claims.isEmpty() ? null : claims);
    }
    Map<String, Object> user = ctx.user();
    return user == null ? SYSTEM : new Privacy(true, user.isEmpty() ? null : user);
  }

  /**
   * @throws ForbiddenByPrivacyException when {@code ctx}'s step would start or change runs (which act
   *     as the system) in a run an end user started, unless it says ignore_privacy with its reason
   */
  static void requireSystem(ActionContext ctx, String what) {
    if (of(ctx).enforced) {
      throw new ForbiddenByPrivacyException("A step of a run an end user started may not " + what + ": what it starts runs as "
          + "the system, which privacy rules do not restrict; if that is intended, say ignore_privacy: true with a privacy_reason");
    }
  }

  /** Whether rule {@code rule} of {@code type} lets this user act on {@code thing} (a thing's view). */
  boolean allows(DataType type, String rule, Map<String, Object> thing) {
    if (!enforced || type.privacy() == null) {
      return true;
    }
    return holds(type.privacy().rule(rule), thing);
  }

  /**
   * Whether {@code condition} holds: only a result that is exactly true allows (text, numbers, lists
   * never do). A rule that fails to evaluate denies, and the incident is logged, not returned.
   */
  private boolean holds(Template condition, Map<String, Object> thing) {
    if (condition == null) {
      return false;
    }
    try {
      return Boolean.TRUE.equals(condition.evaluate(Scope.privacy(user, thing)));
    } catch (dev.backendworkflows.exceptions.ExpressionException e) {
      dev.backendworkflows.internal.Incidents.record("a privacy rule failed to evaluate; denied", e,
          Map.of("type", String.valueOf(thing.get("_type")), "thing_id", String.valueOf(thing.get("_id"))));
      return false;
    }
  }

  /** Whether this user may read {@code thing}. */
  boolean readable(DataType type, Thing thing) {
    return view(type, thing) != null;
  }

  /** @throws ForbiddenByPrivacyException unless rule {@code rule} lets this user act on {@code thing}. */
  void require(DataType type, String rule, Map<String, Object> thing) {
    if (!allows(type, rule, thing)) {
      Object id = thing.get("_id");
      throw new ForbiddenByPrivacyException(type.name(), rule, id == null ? "a new " + type.name() : type.name() + " '" + id + "'");
    }
  }

  /** The view of {@code thing} this user gets: null when they may not read it; fields they may not see left out. */
  Map<String, Object> view(DataType type, Thing thing) {
    Map<String, Object> full = thing.view();
    PrivacyRules rules = type.privacy();
    if (!enforced || rules == null) {
      return full;
    }
    if (!holds(rules.read(), full)) {
      return null;
    }
    Map<String, Object> shown = new LinkedHashMap<>(full);
    rules.fields().forEach((field, condition) -> {
      if (shown.containsKey(field) && !holds(condition, full)) {
        shown.remove(field);
      }
    });
    return shown;
  }

  /**
   * Which things a search may give this user: those they may read whose every searched (and sorted)
   * field they may see — whether the thing has it or not, since a search by a hidden field would
   * tell its value or its presence. Null when all may be given.
   */
  Predicate<Thing> findable(DataType type, List<Constraint> constraints, String sortField) {
    if (!enforced || type.privacy() == null) {
      return null;
    }
    java.util.Set<String> searched = new java.util.HashSet<>();
    constraints.forEach(c -> searched.add(c.field()));
    if (sortField != null) {
      searched.add(sortField);
    }
    searched.retainAll(type.privacy().fields().keySet());
    return thing -> {
      Map<String, Object> full = thing.view();
      if (!holds(type.privacy().read(), full)) {
        return false;
      }
      for (String field : searched) {
        if (!holds(type.privacy().fields().get(field), full)) {
          return false;
        }
      }
      return true;
    };
  }

  /** Whether these rules restrict anything for this step. */
  boolean enforced(DataType type) {
    return enforced && type.privacy() != null;
  }
}
