package dev.backendworkflows.aws.dynamodb;

import dev.backendworkflows.exceptions.WriteContendedException;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/** One TransactWriteItems, as the stores' atomic writes use it. */
final class Transactions {
  /** Tries of a transaction cancelled by competing ones: enough for a hot item (a counter many runs add to). */
  static final int TRIES = 12;

  private Transactions() {}

  /**
   * Sends one transaction through {@code send}, which makes the TransactWriteItems call with the client
   * token it is given (the call stays in the store, where the IAM check reads it): a request the SDK
   * repeats after a lost answer carries the same token, so it is not applied twice nor reported as
   * failed. A transaction cancelled by a competing one (not by a condition) is tried again, with a
   * new token, after a jittered, growing pause (10 ms to 320 ms: competitors that collided do not
   * collide again in step).
   *
   * @return -1 when it was applied, or the index of the first item whose condition did not hold
   * @throws WriteContendedException when it was still cancelled by competing transactions after the last try
   */
  static int write(Consumer<String> send) {
    for (int attempt = 1; ; attempt++) {
      // a token per try: a cancelled try is a definite answer (nothing applied), and a token DynamoDB has
      // seen may answer with its first outcome; within a try the SDK's own repeats reuse it
      String token = java.util.UUID.randomUUID().toString();
      try {
        send.accept(token);
        return -1;
      } catch (TransactionCanceledException e) {
        List<CancellationReason> reasons = e.cancellationReasons();
        for (int i = 0; i < reasons.size(); i++) {
          if ("ConditionalCheckFailed".equals(reasons.get(i).code())) {
            return i;
          }
        }
        if (attempt == TRIES) {
          throw new WriteContendedException("a transaction was cancelled by competing ones " + TRIES + " times in a row");
        }
        try {
          long ceiling = 10L << Math.min(attempt - 1, 5);
          Thread.sleep(ThreadLocalRandom.current().nextLong(ceiling / 2, ceiling + 1));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }
}
