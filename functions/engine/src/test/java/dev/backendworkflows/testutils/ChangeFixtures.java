package dev.backendworkflows.testutils;

import dev.backendworkflows.definition.Workflows;

/** data_change workflows and the data schema they watch, shared by the engine's and the AWS adapters' trigger tests. */
public final class ChangeFixtures {
  private ChangeFixtures() {}

  public static final String SCHEMA = """
      types:
        order:
          fields:
            status: { type: text }
            amount_cents: { type: number }
            customer_email: { type: text }
        note:
          fields:
            text: { type: text }
        counter:
          fields:
            n: { type: number }
      """;
  /** Runs when an order's status becomes paid; notes what it saw. */
  public static final String PAID = """
      name: order-paid
      trigger:
        data_change:
          type: order
          on: [changed]
          fields: [status]
          when: "{% $old.status != 'paid' and $new.status = 'paid' %}"
      steps:
        - action: create_thing
          type: note
          fields: { text: "{% $old.status & '->' & $new.status & ' ' & $change.id & ' ' & $params.change.event %}" }
      """;
  /** Runs when an order is created or deleted; notes what it saw. */
  public static final String LIFECYCLE = """
      name: order-lifecycle
      trigger:
        data_change: { type: order, on: [created, deleted] }
      steps:
        - action: create_thing
          type: note
          fields: { text: "{% $change.event & ':' & ($exists($new) ? $new.status : '-') & ':' & ($exists($old) ? $old.status : '-') %}" }
      """;
  /** An API workflow that changes an order's status or amount. */
  public static final String SET_STATUS = """
      name: set-status
      trigger: { api: {} }
      parameters:
        id: { type: text, required: true }
        status: { type: text }
        amount_cents: { type: number }
      steps:
        - action: update_thing
          type: order
          thing_id: "{% $params.id %}"
          fields: { status: "{% $params.status %}", amount_cents: "{% $params.amount_cents %}" }
      """;
  /** Runs on every change of a counter and changes it again: a trigger loop. */
  public static final String BUMP = """
      name: bump
      trigger:
        data_change: { type: counter, on: [changed] }
      steps:
        - { action: update_thing, type: counter, thing_id: "{% $new._id %}", increment: { n: 1 } }
      """;
  /** An API workflow that starts the loop. */
  public static final String START = """
      name: start
      trigger: { api: {} }
      parameters:
        id: { type: text, required: true }
      steps:
        - { action: update_thing, type: counter, thing_id: "{% $params.id %}", increment: { n: 1 } }
      """;

  /** Loads {@code file name → yaml} pairs with {@link #SCHEMA}. */
  public static Workflows workflows(String... fileAndYaml) {
    return Fixtures.workflowsOver(SCHEMA, fileAndYaml);
  }
}
