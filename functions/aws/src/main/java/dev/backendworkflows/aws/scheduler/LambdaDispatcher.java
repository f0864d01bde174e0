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
  private final java.util.function.Function<String, String> functionArn;

  /** @param functionArn the ARN that invokes a workflow's function, by workflow name */
  public LambdaDispatcher(Supplier<LambdaClient> client, java.util.function.Function<String, String> functionArn) {
    this.client = client;
    this.functionArn = functionArn;
  }

  @Override
  public void dispatchNow(String scheduledRunId, String workflow) {
    invoke(workflow, EventBridgeScheduler.input(scheduledRunId));
  }

  /** Invokes the workflow's function with {@code {"resume_run_id": …}}: it continues the run from its journal. */
  @Override
  public void resume(String runId, String workflow) {
    invoke(workflow, dev.backendworkflows.internal.Json.write(java.util.Map.of("resume_run_id", runId)));
  }

  private void invoke(String workflow, String payload) {
    client.get().invoke(b -> b.functionName(functionArn.apply(workflow)).invocationType(InvocationType.EVENT)
        .payload(SdkBytes.fromUtf8String(payload)));
  }
}
