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
 * scheduled or recurring workflow, and a schedule per recurring one — between the {@value #BEGIN} and {@value #END} lines; everything else in the
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
      default -> "Scheduled";
    }).append(" workflow ").append(w.name()).append('\n');
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
        """.formatted(logicalId(w.name()).replace("Function", "Schedule"), w.name(), r.expression().text(),
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
