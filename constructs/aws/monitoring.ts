import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { Validator } from "../common/validation";
import { AwsEnvironment, AWS_NAME_PATTERN, EMAIL_PATTERN, LOG_RETENTION_DAYS, partitionOf, policyDocument } from "./iam";
import { CustomerManagedKey } from "./kms-key";

export interface AlarmTopicProps {
  /** Topic name. */
  readonly name: string;
  /** Customer-managed key (CloudWatch cannot publish to a topic on `alias/aws/sns`). */
  readonly key: CustomerManagedKey;
  /** Email addresses subscribed to alarms (each must confirm the subscription). */
  readonly emails: string[];
}

/** An SNS topic for alarms: on the customer key, CloudWatch of this account may publish, TLS only. */
export class AlarmTopic extends Construct {
  public readonly topic: SnsTopic;
  public readonly topicArn: string;
  public readonly environment: AwsEnvironment;
  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(AWS_NAME_PATTERN.test(props.name), "name", "must match ^[a-z][a-z0-9-]{1,40}$");
    props.emails.forEach((e, i) => v.check(EMAIL_PATTERN.test(e), `emails.${i}`, `"${e}" is not an email address`));
    v.check(new Set(props.emails).size === props.emails.length, "emails", "lists an address twice");
    v.throwIfAny();
    const env = props.key.environment;
    this.environment = env;
    this.topic = new SnsTopic(this, "Resource", { name: props.name, kmsMasterKeyId: props.key.keyArn });
    this.topicArn = this.topic.arn;
    new SnsTopicPolicy(this, "Policy", {
      arn: this.topic.arn,
      policy: policyDocument([
        {
          Sid: "CloudWatchAlarmsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: this.topic.arn,
          Condition: { StringEquals: { "aws:SourceAccount": env.accountId }, ArnLike: { "aws:SourceArn": `arn:${partitionOf(env)}:cloudwatch:${env.region}:${env.accountId}:alarm:*` } },
        },
        { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: this.topic.arn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ]),
    });
    props.emails.forEach((email, i) => new SnsTopicSubscription(this, `Email${i}`, { topicArn: this.topic.arn, protocol: "email", endpoint: email }));
  }
}

export interface EncryptedLogGroupProps {
  readonly name: string;
  readonly key: CustomerManagedKey;
  /** Days to keep events; one of CloudWatch Logs' allowed values. @default 365 */
  readonly retentionInDays?: number;
}

/** A log group encrypted with the customer key, with a retention CloudWatch accepts. */
export class EncryptedLogGroup extends Construct {
  public readonly logGroup: CloudwatchLogGroup;
  public readonly logGroupName: string;
  public readonly logGroupArn: string;
  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const retention = props.retentionInDays ?? 365;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[A-Za-z0-9_./#-]{1,512}$/.test(props.name), "name", "must be 1-512 characters of letters, digits and _ . / # -");
    v.check((LOG_RETENTION_DAYS as readonly number[]).includes(retention), "retentionInDays", `must be one of CloudWatch Logs' values: ${LOG_RETENTION_DAYS.join(", ")}; got ${retention}`);
    v.throwIfAny();
    this.logGroup = new CloudwatchLogGroup(this, "Resource", { name: props.name, kmsKeyId: props.key.keyArn, retentionInDays: retention });
    this.logGroupName = props.name;
    this.logGroupArn = this.logGroup.arn;
  }
}

export interface LogAlarmSpec {
  /** Short name, used in the metric and alarm names. */
  readonly name: string;
  readonly logGroup: EncryptedLogGroup;
  /** CloudWatch Logs filter pattern. */
  readonly pattern: string;
  /** Alarm when the sum over `periodSeconds` reaches this. */
  readonly threshold: number;
  /** @default 300 */
  readonly periodSeconds?: number;
  readonly description: string;
}

export interface SecurityMonitoringProps {
  /** Prefix of metric names, alarm names and the dashboard. */
  readonly prefix: string;
  readonly topic: AlarmTopic;
  /** Metric filters with alarms. */
  readonly alarms: LogAlarmSpec[];
  /** CloudWatch metric namespace. @default "N8nZeroTrust/<prefix>" */
  readonly namespace?: string;
}

/**
 * Log metric filters (default value 0, so a quiet period is data, not a gap), one alarm each with
 * alarm and OK actions to the topic and `treat_missing_data = notBreaching`, and a dashboard.
 */
export class SecurityMonitoring extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  public readonly namespace: string;
  constructor(scope: Construct, id: string, props: SecurityMonitoringProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(AWS_NAME_PATTERN.test(props.prefix), "prefix", "must match ^[a-z][a-z0-9-]{1,40}$");
    props.alarms.forEach((a, i) => {
      v.check(/^[A-Za-z][A-Za-z0-9]{1,60}$/.test(a.name), `alarms.${i}.name`, "must be alphanumeric, starting with a letter");
      v.check(a.threshold >= 1, `alarms.${i}.threshold`, "must be at least 1");
      v.check(a.periodSeconds === undefined || (a.periodSeconds >= 60 && a.periodSeconds % 60 === 0), `alarms.${i}.periodSeconds`, "must be a multiple of 60");
    });
    v.throwIfAny();
    this.namespace = props.namespace ?? `N8nZeroTrust/${props.prefix}`;
    for (const a of props.alarms) {
      new CloudwatchLogMetricFilter(this, `${a.name}Filter`, {
        name: `${props.prefix}-${a.name}`,
        logGroupName: a.logGroup.logGroup.name,
        pattern: a.pattern,
        metricTransformation: { name: a.name, namespace: this.namespace, value: "1", defaultValue: "0", unit: "Count" },
      });
      this.alarms.push(
        new CloudwatchMetricAlarm(this, `${a.name}Alarm`, {
          alarmName: `${props.prefix}-${a.name}`,
          alarmDescription: a.description,
          namespace: this.namespace,
          metricName: a.name,
          statistic: "Sum",
          period: a.periodSeconds ?? 300,
          evaluationPeriods: 1,
          threshold: a.threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [props.topic.topicArn],
          okActions: [props.topic.topicArn],
        }),
      );
    }
    new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: `${props.prefix}-security`,
      dashboardBody: JSON.stringify({
        widgets: props.alarms.map((a, i) => ({
          type: "metric",
          x: (i % 2) * 12,
          y: Math.floor(i / 2) * 6,
          width: 12,
          height: 6,
          properties: { title: a.description, metrics: [[this.namespace, a.name]], stat: "Sum", period: a.periodSeconds ?? 300, view: "timeSeries", region: props.topic.environment.region },
        })),
      }),
    });
  }
}
