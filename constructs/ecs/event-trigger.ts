import { Construct } from "constructs";
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { ProjectFunction } from "./project-function";

export interface EventTriggerProps {
  /** Rule name. */
  readonly name: string;
  readonly description: string;
  readonly function: ProjectFunction;
  /** An event pattern (object) or a schedule (`rate(1 minute)`); exactly one. */
  readonly eventPattern?: Record<string, unknown>;
  readonly schedule?: string;
}

/**
 * An EventBridge rule that invokes a project function, with an invoke permission for exactly
 * that rule (`source_arn`), retries and a maximum event age.
 */
export class EventTrigger extends Construct {
  public readonly rule: CloudwatchEventRule;
  constructor(scope: Construct, id: string, props: EventTriggerProps) {
    super(scope, id);
    if ((props.eventPattern === undefined) === (props.schedule === undefined)) throw new Error(`Invalid props for ${this.node.path}: set exactly one of eventPattern and schedule`);
    this.rule = new CloudwatchEventRule(this, "Resource", {
      name: props.name,
      description: props.description,
      eventPattern: props.eventPattern ? JSON.stringify(props.eventPattern) : undefined,
      scheduleExpression: props.schedule,
      state: "ENABLED",
    });
    new CloudwatchEventTarget(this, "Target", { rule: this.rule.name, arn: props.function.function.arn, retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: 3600 } });
    new LambdaPermission(this, "Invoke", {
      statementId: `EventBridge-${props.name}`,
      action: "lambda:InvokeFunction",
      functionName: props.function.function.functionName,
      principal: "events.amazonaws.com",
      sourceArn: this.rule.arn,
    });
  }
}
