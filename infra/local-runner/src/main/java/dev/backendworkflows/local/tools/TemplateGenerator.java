package dev.backendworkflows.local.tools;

import dev.backendworkflows.definition.DefinitionLoader;
import dev.backendworkflows.definition.Trigger;
import dev.backendworkflows.definition.WorkflowDefinition;
import dev.backendworkflows.definition.Workflows;
import dev.backendworkflows.engine.Access;
import dev.backendworkflows.engine.WorkflowAccess;
import dev.backendworkflows.engine.actions.ActionRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.Set;

/**
 * Regenerates the workflow-dependent part of {@code template.yaml} — one function per API,
 * scheduled, recurring or data_change workflow, a schedule per recurring one, and a stream event
 * source per data_change one — between the {@value #BEGIN} and {@value #END} lines; everything else in the
 * template is written by hand. A test fails when the template is stale.
 * Run: {@code ./mvnw -q package -DskipTests exec:java -pl infra/local-runner -am -Dexec.mainClass=dev.backendworkflows.local.tools.TemplateGenerator}
 */
public final class TemplateGenerator {
  public static final String BEGIN = "  # ---- BEGIN GENERATED: one function per workflow (TemplateGenerator) ----";
  public static final String END = "  # ---- END GENERATED ----";
  /** The one artifact every function runs; {@code sam build} packages it as built ({@code SkipBuild}). */
  public static final String CODE_URI = "functions/aws/target/backend-workflows-lambda.jar";

  private TemplateGenerator() {}

  /** The CloudFormation logical id of a workflow's function: onboard-user → OnboardUserFunction. */
  public static String logicalId(String workflow) {
    StringBuilder out = new StringBuilder();
    for (String part : workflow.split("-")) {
      out.append(part.substring(0, 1).toUpperCase(Locale.ROOT)).append(part.substring(1));
    }
    return out + "Function";
  }

  /** The generated section: the HTTP API, and every workflow that runs as a function of its own. */
  public static String section(Workflows workflows) {
    StringBuilder out = new StringBuilder(BEGIN).append('\n');
    out.append(httpApi(workflows).strip().indent(2)).append('\n');
    workflows.byName().values().stream().sorted(Comparator.comparing(WorkflowDefinition::name))
        .filter(w -> w.trigger().kind() != Trigger.Kind.CUSTOM_EVENT)
        .forEach(w -> {
          out.append(function(w, workflows).strip().indent(2)).append('\n');
          out.append(errorsAlarm(w).strip().indent(2)).append('\n');
          if (w.trigger().kind() == Trigger.Kind.RECURRING) {
            out.append(schedule(w).strip().indent(2)).append('\n');
          }
        });
    return out.append(END).append('\n').toString();
  }

  private static boolean usesUserAuth(WorkflowDefinition w) {
    return w.trigger().kind() == Trigger.Kind.API && w.trigger().auth() == Trigger.Auth.USER;
  }

  /** The HTTP API; with the JWT authorizer (JwtIssuer, JwtAudience) only when a workflow has {@code auth: user}. */
  private static String httpApi(Workflows workflows) {
    String api = """
        HttpApi:
          Type: AWS::Serverless::HttpApi
          Properties:
            StageName: $default
            DefaultRouteSettings:
              ThrottlingBurstLimit: !Ref ApiBurstLimit
              ThrottlingRateLimit: !Ref ApiRateLimit
        """;
    if (workflows.byName().values().stream().noneMatch(TemplateGenerator::usesUserAuth)) {
      return api;
    }
    return api + """
            Auth:
              Authorizers:
                UserJwt:
                  IdentitySource: $request.header.Authorization
                  JwtConfiguration:
                    issuer: !Ref JwtIssuer
                    audience: [!Ref JwtAudience]
        """;
  }

  private static String function(WorkflowDefinition w, Workflows all) {
    WorkflowDefinition.FunctionSettings f = w.function() == null ? WorkflowDefinition.FunctionSettings.DEFAULTS : w.function();
    StringBuilder out = new StringBuilder();
    out.append(logicalId(w.name())).append(":\n");
    out.append("  Type: AWS::Serverless::Function\n");
    out.append("  Metadata:\n    SkipBuild: True\n");
    out.append("  Properties:\n");
    out.append("    CodeUri: ").append(CODE_URI).append('\n');
    out.append("    FunctionName: !Sub ${AWS::StackName}-wf-").append(w.name()).append('\n');
    out.append("    Description: ").append(switch (w.trigger().kind()) {
      case API -> "API";
      case RECURRING -> "Recurring";
      case DATA_CHANGE -> "Data-change";
      default -> "Scheduled";
    }).append(" workflow ").append(w.name()).append('\n');
    // a new version takes traffic gradually (DeploymentType) and is rolled back when its errors alarm goes off
    out.append("    DeploymentPreference:\n      Type: !Ref DeploymentType\n      Alarms: [!Ref ")
        .append(alarmId(w.name())).append("]\n");
    if (f.reservedConcurrency() != null) {
      out.append("    ReservedConcurrentExecutions: ").append(f.reservedConcurrency()).append('\n');
    }
    if (f.memoryMb() != null) {
      out.append("    MemorySize: ").append(f.memoryMb()).append('\n');
    }
    if (f.timeoutS() != null) {
      out.append("    Timeout: ").append(f.timeoutS()).append('\n');
    } else if (w.trigger().kind() == Trigger.Kind.API) {
      // API Gateway answers within 29 s: the function must not run on after its caller was told it timed out
      out.append("    Timeout: ").append(WorkflowDefinition.API_TIMEOUT_LIMIT_S).append('\n');
    } else if (w.trigger().kind() == Trigger.Kind.DATA_CHANGE) {
      // a batch runs its changes' runs one after another
      out.append("    Timeout: ").append(DATA_CHANGE_TIMEOUT_S).append('\n');
    }
    out.append("""
            Environment:
              Variables:
                WORKFLOW_NAME: %s
            Policies:
              - DynamoDBCrudPolicy: { TableName: !Ref RunsTable }
        """.formatted(w.name()));
    // only what the workflow's trigger, steps and custom events touch (WorkflowAccess)
    WorkflowAccess access = WorkflowAccess.of(w, all, ActionRegistry.builtIn());
    Set<Access> grants = access.access();
    if (grants.contains(Access.THINGS)) {
      out.append("      - DynamoDBCrudPolicy: { TableName: !Ref ThingsTable }\n");
    }
    if (grants.contains(Access.SCHEDULES)) {
      out.append("      - DynamoDBCrudPolicy: { TableName: !Ref SchedulesTable }\n");
    }
    if (grants.contains(Access.API_KEYS)) {
      out.append("      - DynamoDBReadPolicy: { TableName: !Ref ApiKeysTable }\n");
    }
    if (grants.contains(Access.SCHEDULER)) {
      out.append("      - !Ref SchedulingPolicy\n");
    }
    if (grants.contains(Access.EMAIL)) { // as the stage's sender and the declared ones only
      out.append("""
                - Statement:
                    - Effect: Allow
                      Action: ses:SendEmail
                      Resource: !Sub arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:identity/*
                      Condition:
                        StringEqualsIgnoreCase:
                          ses:FromAddress:
                            - !Ref MailFrom
          """);
      access.senders().forEach(sender -> out.append("                  - ").append(dev.backendworkflows.mail.Email.address(sender)).append('\n'));
    }
    if (!access.secrets().isEmpty()) { // only the secrets it declares, by name
      out.append("""
                - Statement:
                    - Effect: Allow
                      Action: ssm:GetParameter
                      Resource:
          """);
      access.secrets().forEach(name -> out.append("                  - !Sub ").append(secretArn(name)).append('\n'));
    }
    if (w.trigger().kind() == Trigger.Kind.DATA_CHANGE) {
      out.append(streamSource(w.trigger().dataChange()));
    }
    if (w.trigger().kind() == Trigger.Kind.API) {
      out.append("""
              Events:
                Api:
                  Type: HttpApi
                  Properties: { ApiId: !Ref HttpApi, Method: POST, Path: /wf/%s%s }
          """.formatted(w.name(), usesUserAuth(w) ? ", Auth: { Authorizer: UserJwt }" : ""));
    }
    return out.toString();
  }

  /** A data_change workflow's function runs this long unless its workflow says otherwise. */
  public static final int DATA_CHANGE_TIMEOUT_S = 300;

  /**
   * A data_change workflow's reading of the Things table's stream: its permissions (the stream, and
   * the dead-letter queue its failed batches go to) and the event source mapping, whose filter lets
   * through only its type's things (their partitions are {@code <type>#<shard>}; claims and index
   * entries have others) and its events.
   */
  private static String streamSource(Trigger.DataChange dc) {
    String events = java.util.Arrays.stream(Trigger.ChangeEvent.values()).filter(dc.on()::contains).map(dev.backendworkflows.aws.dynamodb.StreamRecords.EVENT_NAMES::get)
        .map(e -> "\"" + e + "\"").collect(java.util.stream.Collectors.joining(","));
    String pattern = "{\"eventName\":[" + events + "],\"dynamodb\":{\"Keys\":{\"type\":{\"S\":[{\"prefix\":\"" + dc.type() + "#\"}]}}}}";
    return """
              - Statement:
                  - Effect: Allow
                    Action: [dynamodb:DescribeStream, dynamodb:GetRecords, dynamodb:GetShardIterator]
                    Resource: !Sub ${ThingsTable.Arn}/stream/*
                  - Effect: Allow
                    Action: dynamodb:ListStreams
                    Resource: '*'
                  - Effect: Allow
                    Action: sqs:SendMessage
                    Resource: !GetAtt SchedulerDeadLetterQueue.Arn
            Events:
              Changes:
                Type: DynamoDB
                Properties:
                  Stream: !GetAtt ThingsTable.StreamArn
                  StartingPosition: LATEST
                  BatchSize: %d
                  BisectBatchOnFunctionError: true
                  MaximumRetryAttempts: %d
                  MaximumRecordAgeInSeconds: -1
                  FunctionResponseTypes: [ReportBatchItemFailures]
                  DestinationConfig:
                    OnFailure:
                      Type: SQS
                      Destination: !GetAtt SchedulerDeadLetterQueue.Arn
                  FilterCriteria:
                    Filters:
                      - Pattern: '%s'
        """.formatted(dc.batchSize(), dc.maxRetries(), pattern);
  }

  /** The logical id of a workflow function's errors alarm: onboard-user → OnboardUserErrorsAlarm. */
  public static String alarmId(String workflow) {
    return logicalId(workflow).replaceFirst("Function$", "ErrorsAlarm");
  }

  /**
   * The alarm a gradual deployment of a workflow's function watches: any error (an unhandled
   * exception, a timeout) of the new version behind the {@code live} alias in a minute.
   * Errors a workflow answers (4xx, a failed run) are not function errors and do not count.
   */
  private static String errorsAlarm(WorkflowDefinition w) {
    String fn = logicalId(w.name());
    return """
        %s:
          Type: AWS::CloudWatch::Alarm
          Properties:
            AlarmDescription: Errors of a new version of workflow %s while it takes traffic (rolls the deployment back)
            Namespace: AWS/Lambda
            MetricName: Errors
            Dimensions:
              - { Name: Resource, Value: !Sub "${%s}:live" }
              - { Name: FunctionName, Value: !Ref %s }
              - { Name: ExecutedVersion, Value: !GetAtt %s.Version.Version }
            Statistic: Sum
            Period: 60
            EvaluationPeriods: 1
            Threshold: 0
            ComparisonOperator: GreaterThanThreshold
            TreatMissingData: notBreaching
        """.formatted(alarmId(w.name()), w.name(), fn, fn, fn);
  }

  /** The ARN of a secret's SSM parameter, as a {@code !Sub} string of the stack's stage. */
  public static String secretArn(String name) {
    return "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/backend-workflows/${Stage}/" + name;
  }

  /** The EventBridge Scheduler schedule of a recurring workflow; its input names the workflow and the firing. */
  private static String schedule(WorkflowDefinition w) {
    Trigger.Recurring r = w.trigger().recurring();
    String window = (r.start() == null ? "" : "\n    StartDate: '" + r.start() + "'")
        + (r.end() == null ? "" : "\n    EndDate: '" + r.end() + "'");
    return """
        %s:
          Type: AWS::Scheduler::Schedule
          Properties:
            Description: Recurring workflow %s
            GroupName: !Ref ScheduleGroup
            ScheduleExpression: %s
            ScheduleExpressionTimezone: %s%s
            FlexibleTimeWindow: { Mode: "OFF" }
            Target:
              Arn: !Ref %sAliaslive
              RoleArn: !GetAtt SchedulerRole.Arn
              Input: '{"recurring_workflow":"%s","scheduled_time":"<aws.scheduler.scheduled-time>"}'
              RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 }
              DeadLetterConfig: { Arn: !GetAtt SchedulerDeadLetterQueue.Arn }
        """.formatted(logicalId(w.name()).replaceFirst("Function$", "Schedule"), w.name(), r.expression().text(),
        r.expression().zone().getId(), window.replace("\n    ", "\n            "), logicalId(w.name()), w.name());
  }

  /** The template with its generated section replaced. */
  public static String regenerate(String template, Workflows workflows) {
    int begin = template.indexOf(BEGIN);
    int end = template.indexOf(END);
    if (begin < 0 || end < begin) {
      throw new IllegalStateException("template.yaml has no generated section: add the lines\n" + BEGIN + "\n" + END);
    }
    return template.substring(0, begin) + section(workflows) + template.substring(end + END.length() + 1);
  }

  public static void main(String[] args) throws IOException {
    Path root = Path.of(args.length > 0 ? args[0] : ".");
    Path template = root.resolve("template.yaml");
    Workflows workflows = new DefinitionLoader().load(root.resolve("functions/workflows"));
    Files.writeString(template, regenerate(Files.readString(template, StandardCharsets.UTF_8), workflows), StandardCharsets.UTF_8);
    System.out.println("regenerated the workflow functions in template.yaml");
  }
}
