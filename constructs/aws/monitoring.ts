import { Construct } from "constructs";
import { CloudwatchDashboard } from "@cdktf/provider-aws/lib/cloudwatch-dashboard";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { isUnresolved, Validator } from "../common/validation";
import { AWS_NAME, EMAIL, formatProblem } from "../common/patterns";
import { AwsEnvironment, LOG_RETENTION_DAYS, partitionOf, policyDocument } from "./iam";
import { CustomerManagedKey } from "./kms-key";

/** Traefik's JSON access log: requests the edge refused with 401 or 403 (SSO refusals, forbidden paths). */
export const FAILED_LOGINS_PATTERN = "{ ($.DownstreamStatus = 401) || ($.DownstreamStatus = 403) }";
/** Traefik's JSON access log: 5xx answers (from n8n or the proxy itself). */
export const SERVER_ERRORS_PATTERN = "{ $.DownstreamStatus >= 500 }";
/**
 * The rotation function logs `{"event":"rotation_failed", ...}`. A term pattern, not a JSON one:
 * with Lambda's JSON log format the entry may arrive nested as a string in `message`.
 */
export const ROTATION_FAILED_PATTERN = '"rotation_failed"';
/**
 * Queue mode: an n8n process lost Valkey (it exits after QUEUE_BULL_REDIS_TIMEOUT_THRESHOLD), or
 * an execution failed because its worker died mid-run (Bull's stall check; n8n never retries it).
 * Both messages are n8n 2.x's own (research memo §3.1, §3.2).
 */
export const QUEUE_TROUBLE_PATTERN = '?"Unable to connect to Redis" ?"Exiting process due to Redis connection error" ?"stalled more than"';

export interface AlarmTopicProps {
  /** Topic name. */
  readonly name: string;
  /**
   * Customer-managed key. Never `alias/aws/sns`: its key policy cannot be changed, so CloudWatch
   * alarms cannot publish to a topic on it and alarm notifications are silently lost.
   */
  readonly key: CustomerManagedKey;
  /** Email addresses subscribed to alarms (each must confirm the subscription); at least one. */
  readonly emails: readonly string[];
}

/**
 * An SNS topic for alarms: encrypted with the customer key, a topic policy that lets only this
 * account's CloudWatch alarms publish and refuses publishing without TLS, and one email
 * subscription per address.
 *
 * @example
 * const topic = new AlarmTopic(this, "Alarms", { name: "n8n-prod-alarms", key, emails: ["ops@example.com"] });
 */
export class AlarmTopic extends Construct {
  /** The `aws_sns_topic` (child id `Resource`). */
  public readonly topic: SnsTopic;
  public readonly topicArn: string;
  public readonly environment: AwsEnvironment;
  constructor(scope: Construct, id: string, props: AlarmTopicProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    const nameProblem = formatProblem(AWS_NAME, props.name);
    if (nameProblem) v.add("name", nameProblem);
    v.check(props.emails.length > 0, "emails", "must list at least one address: alarms nobody receives protect nobody");
    props.emails.forEach((e, i) => v.check(isUnresolved(e) || EMAIL.pattern.test(e), `emails.${i}`, `"${e}" is not an email address`));
    v.check(new Set(props.emails).size === props.emails.length, "emails", "lists an address twice");
    v.check(props.key.allowsCloudWatchAlarms, "key", "the key's policy must allow CloudWatch alarms (allowCloudWatchAlarms), or alarms cannot publish to this topic");
    v.throwIfAny();
    const env = props.key.environment;
    this.environment = env;
    // Publishers in the account (and SNS on their behalf) use the key through SNS.
    props.key.allowUseVia("sns");
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
  /** Log group name, e.g. `/n8n-prod/traefik` or `/aws/lambda/<function>`. */
  readonly name: string;
  /** Customer-managed key; its policy must let CloudWatch Logs use it (the default). */
  readonly key: CustomerManagedKey;
  /**
   * Days to keep events; one of CloudWatch Logs' allowed values (1, 3, 5, 7, 14, 30, 60, 90, 120,
   * 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653). Keeping logs forever is
   * not offered: pick 3653 if you must.
   * @default - 365 days (a year, as audits usually ask)
   */
  readonly retentionInDays?: number;
}

/**
 * A CloudWatch log group encrypted with the customer key, with a retention CloudWatch accepts.
 *
 * @example
 * const traefikLogs = new EncryptedLogGroup(this, "TraefikLogs", { name: "/n8n-prod/traefik", key, retentionInDays: 400 });
 */
export class EncryptedLogGroup extends Construct {
  /** The `aws_cloudwatch_log_group` (child id `Resource`). */
  public readonly logGroup: CloudwatchLogGroup;
  public readonly logGroupName: string;
  public readonly logGroupArn: string;
  public readonly retentionInDays: number;
  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    const retention = props.retentionInDays ?? 365;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(/^[A-Za-z0-9_./#-]{1,512}$/.test(props.name), "name", "must be 1-512 characters of letters, digits and _ . / # -");
    v.check(isUnresolved(retention) || (LOG_RETENTION_DAYS as readonly number[]).includes(retention), "retentionInDays", `must be one of CloudWatch Logs' values: ${LOG_RETENTION_DAYS.join(", ")}; got ${retention}`);
    v.check(props.key.allowsCloudWatchLogs, "key", "the key's policy must allow CloudWatch Logs (allowCloudWatchLogs), or the log group cannot be created");
    v.throwIfAny();
    this.retentionInDays = retention;
    this.logGroup = new CloudwatchLogGroup(this, "Resource", { name: props.name, kmsKeyId: props.key.keyArn, retentionInDays: retention });
    this.logGroupName = props.name;
    this.logGroupArn = this.logGroup.arn;
  }
}

export interface LogAlarmSpec {
  /** Short name, used in the metric and alarm names. */
  readonly name: string;
  /** The log group the metric filter reads. */
  readonly logGroup: EncryptedLogGroup;
  /** CloudWatch Logs filter pattern (see FAILED_LOGINS_PATTERN and friends). */
  readonly pattern: string;
  /** Alarm when the count over `periodSeconds` reaches this (at least 1). */
  readonly threshold: number;
  /** Length of one evaluation period, a multiple of 60 seconds. @default - 300 seconds */
  readonly periodSeconds?: number;
  /** What the alarm means, shown in the notification and on the dashboard. */
  readonly description: string;
}

export interface SecurityMonitoringProps {
  /** Prefix of metric filter names, alarm names and the dashboard (`<prefix>-security`). */
  readonly prefix: string;
  /** Where alarm and OK notifications go. */
  readonly topic: AlarmTopic;
  /** One metric filter and one alarm per entry. */
  readonly alarms: readonly LogAlarmSpec[];
  /** CloudWatch metric namespace. @default - `N8nZeroTrust/<prefix>` */
  readonly namespace?: string;
}

/**
 * Log metric filters (default value 0, so a quiet period is data, not a gap), one alarm each with
 * alarm and OK actions to the topic and `treat_missing_data = notBreaching`, and a dashboard that
 * shows the alarms and their metrics.
 *
 * @example
 * new SecurityMonitoring(this, "Monitoring", {
 *   prefix: "n8n-prod", topic,
 *   alarms: [{ name: "FailedLogins", logGroup: traefikLogs, pattern: FAILED_LOGINS_PATTERN, threshold: 20, description: "Many 401/403 at the edge" }],
 * });
 */
export class SecurityMonitoring extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[] = [];
  public readonly metricFilters: CloudwatchLogMetricFilter[] = [];
  public readonly dashboard: CloudwatchDashboard;
  public readonly namespace: string;
  constructor(scope: Construct, id: string, props: SecurityMonitoringProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(AWS_NAME.pattern.test(props.prefix), "prefix", AWS_NAME.message);
    v.check(props.alarms.length > 0, "alarms", "must define at least one alarm");
    v.check(new Set(props.alarms.map((a) => a.name)).size === props.alarms.length, "alarms", "two alarms share a name");
    props.alarms.forEach((a, i) => {
      v.check(/^[A-Za-z][A-Za-z0-9]{1,60}$/.test(a.name), `alarms.${i}.name`, "must be alphanumeric, starting with a letter");
      v.check(a.pattern.trim().length > 0, `alarms.${i}.pattern`, "must be a CloudWatch Logs filter pattern (an empty pattern counts every event)");
      v.check(a.threshold >= 1, `alarms.${i}.threshold`, "must be at least 1");
      v.check(a.periodSeconds === undefined || (a.periodSeconds >= 60 && a.periodSeconds % 60 === 0), `alarms.${i}.periodSeconds`, "must be a multiple of 60");
    });
    v.throwIfAny();
    this.namespace = props.namespace ?? `N8nZeroTrust/${props.prefix}`;
    for (const a of props.alarms) {
      const filter = new CloudwatchLogMetricFilter(this, `${a.name}Filter`, {
        name: `${props.prefix}-${a.name}`,
        logGroupName: a.logGroup.logGroup.name,
        pattern: a.pattern,
        metricTransformation: { name: a.name, namespace: this.namespace, value: "1", defaultValue: "0", unit: "Count" },
      });
      this.metricFilters.push(filter);
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
          actionsEnabled: true,
          alarmActions: [props.topic.topicArn],
          okActions: [props.topic.topicArn],
          // The metric appears only once the filter exists.
          dependsOn: [filter],
        }),
      );
    }
    const region = props.topic.environment.region;
    this.dashboard = new CloudwatchDashboard(this, "Dashboard", {
      dashboardName: `${props.prefix}-security`,
      dashboardBody: JSON.stringify({
        widgets: [
          { type: "alarm", x: 0, y: 0, width: 24, height: 3, properties: { title: "Security alarms", alarms: this.alarms.map((a) => a.arn) } },
          ...props.alarms.map((a, i) => ({
            type: "metric",
            x: (i % 2) * 12,
            y: 3 + Math.floor(i / 2) * 6,
            width: 12,
            height: 6,
            properties: { title: a.description, metrics: [[this.namespace, a.name]], stat: "Sum", period: a.periodSeconds ?? 300, view: "timeSeries", region },
          })),
        ],
      }),
    });
  }
}

export interface HeartbeatAlarmProps {
  /** Alarm name, e.g. `n8n-prod-BackupMissing`. */
  readonly alarmName: string;
  /** What the alarm means. */
  readonly description: string;
  /** The metric the job publishes on each success (value 1). */
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions?: Record<string, string>;
  /** Alarm when no success arrives for this many hours (2 to 168). */
  readonly withinHours: number;
  readonly topic: AlarmTopic;
}

/**
 * An alarm for a job that must report success regularly (a backup): hourly sums of its success
 * metric, missing data counts as breaching, and the alarm fires when `withinHours` consecutive
 * hours bring no success. Alarm and OK actions go to the topic.
 */
export class HeartbeatAlarm extends Construct {
  public readonly alarm: CloudwatchMetricAlarm;
  constructor(scope: Construct, id: string, props: HeartbeatAlarmProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(Number.isInteger(props.withinHours) && props.withinHours >= 2 && props.withinHours <= 168, "withinHours", `must be a whole number of hours from 2 to 168, got ${props.withinHours}`);
    v.check(/^[A-Za-z0-9._/#:-]{1,255}$/.test(props.namespace) && !props.namespace.startsWith("AWS/"), "namespace", "must be a custom CloudWatch namespace (not AWS/...)");
    v.throwIfAny();
    this.alarm = new CloudwatchMetricAlarm(this, "Resource", {
      alarmName: props.alarmName,
      alarmDescription: props.description,
      namespace: props.namespace,
      metricName: props.metricName,
      dimensions: props.dimensions,
      statistic: "Sum",
      period: 3600,
      evaluationPeriods: props.withinHours,
      datapointsToAlarm: props.withinHours,
      threshold: 1,
      comparisonOperator: "LessThanThreshold",
      // No data is the failure this alarm exists for.
      treatMissingData: "breaching",
      actionsEnabled: true,
      alarmActions: [props.topic.topicArn],
      okActions: [props.topic.topicArn],
    });
  }
}
