import { Construct } from "constructs";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { AlarmTopic } from "../aws/monitoring";

/** One metric alarm: a CloudWatch metric, a statistic over a period, a threshold. */
export interface MetricAlarmSpec {
  /** Short name (the alarm is `<prefix>-<name>`). */
  readonly name: string;
  readonly description: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: Record<string, string>;
  readonly statistic: "Sum" | "Average" | "Maximum" | "Minimum";
  readonly threshold: number;
  /** @default "GreaterThanOrEqualToThreshold" */
  readonly comparison?: "GreaterThanOrEqualToThreshold" | "LessThanOrEqualToThreshold";
  /** @default 300 */
  readonly periodSeconds?: number;
  /** @default 1 */
  readonly evaluationPeriods?: number;
}

export interface MetricAlarmsProps {
  readonly prefix: string;
  readonly topic: AlarmTopic;
  readonly alarms: readonly MetricAlarmSpec[];
}

/**
 * Alarms on AWS's own metrics (ALB, RDS, ElastiCache, WAF) and the project's (queue backlog),
 * each with alarm and OK actions to the encrypted topic; missing data does not breach (a quiet
 * ALB is not an outage, and the heartbeat-style alarms of prod-cloud are not needed here).
 */
export class MetricAlarms extends Construct {
  public readonly alarms: CloudwatchMetricAlarm[];
  constructor(scope: Construct, id: string, props: MetricAlarmsProps) {
    super(scope, id);
    const names = props.alarms.map((a) => a.name);
    const twice = names.filter((n, i) => names.indexOf(n) !== i);
    if (twice.length > 0) throw new Error(`Invalid props for ${this.node.path}: alarms ${twice.join(", ")} are defined twice`);
    this.alarms = props.alarms.map(
      (a) =>
        new CloudwatchMetricAlarm(this, a.name, {
          alarmName: `${props.prefix}-${a.name}`,
          alarmDescription: a.description,
          namespace: a.namespace,
          metricName: a.metricName,
          dimensions: a.dimensions,
          statistic: a.statistic,
          period: a.periodSeconds ?? 300,
          evaluationPeriods: a.evaluationPeriods ?? 1,
          threshold: a.threshold,
          comparisonOperator: a.comparison ?? "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          actionsEnabled: true,
          alarmActions: [props.topic.topicArn],
          okActions: [props.topic.topicArn],
        }),
    );
  }
}
