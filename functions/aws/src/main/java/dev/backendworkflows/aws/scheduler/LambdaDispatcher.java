package dev.backendworkflows.aws.scheduler;

import dev.backendworkflows.schedule.Dispatcher;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvocationType;

/**
 * {@link Dispatcher} that invokes the workflow's function asynchronously (InvocationType=Event)
 * with the same input a schedule would carry. Lambda queues the event and may deliver it more than
 * once; the claim in the schedule store keeps the effect single.
 */
public final class LambdaDispatcher implements Dispatcher {
  private final Supplier<LambdaClient> client;
  private final String functionArnPrefix;

  public LambdaDispatcher(Supplier<LambdaClient> client, String functionArnPrefix) {
    this.client = client;
    this.functionArnPrefix = functionArnPrefix;
  }

  @Override
  public void dispatchNow(String scheduledRunId, String workflow) {
    client.get().invoke(b -> b.functionName(functionArnPrefix + workflow).invocationType(InvocationType.EVENT)
        .payload(SdkBytes.fromUtf8String(EventBridgeScheduler.input(scheduledRunId))));
  }
}
