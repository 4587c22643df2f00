import { Testing, TerraformStack } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchLogMetricFilter } from "@cdktf/provider-aws/lib/cloudwatch-log-metric-filter";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicSubscription } from "@cdktf/provider-aws/lib/sns-topic-subscription";
import { LOG_RETENTION_DAYS } from "../../constructs/aws/iam";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { AlarmTopic, EncryptedLogGroup, FAILED_LOGINS_PATTERN, ROTATION_FAILED_PATTERN, SecurityMonitoring, SERVER_ERRORS_PATTERN } from "../../constructs/aws/monitoring";
import { problemLines } from "../helpers/validation";

const ENV = { accountId: "123456789012", region: "eu-central-1" };

function base() {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
  return { stack, key };
}

function setup() {
  const { stack, key } = base();
  const topic = new AlarmTopic(stack, "Alarms", { name: "t-alarms", key, emails: ["ops@example.com", "oncall@example.org"] });
  const edge = new EncryptedLogGroup(stack, "Edge", { name: "/t/traefik", key });
  const rotation = new EncryptedLogGroup(stack, "Rotation", { name: "/aws/lambda/t-rotation", key, retentionInDays: 400 });
  const monitoring = new SecurityMonitoring(stack, "Monitoring", {
    prefix: "tt",
    topic,
    alarms: [
      { name: "FailedLogins", logGroup: edge, pattern: FAILED_LOGINS_PATTERN, threshold: 20, description: "401/403 at the edge" },
      { name: "ServerErrors", logGroup: edge, pattern: SERVER_ERRORS_PATTERN, threshold: 10, description: "5xx" },
      { name: "RotationFailures", logGroup: rotation, pattern: ROTATION_FAILED_PATTERN, threshold: 1, periodSeconds: 60, description: "rotation failed" },
    ],
  });
  const text = Testing.synth(stack);
  const json = JSON.parse(text);
  const ref = (type: string, attr: string) => `\${${type}.${Object.keys(json.resource[type])[0]}.${attr}}`;
  return { stack, key, topic, monitoring, text, json, keyArn: ref("aws_kms_key", "arn"), topicArn: ref("aws_sns_topic", "arn") };
}

const problems = problemLines;

describe("AlarmTopic", () => {
  test("is encrypted with the customer key, never alias/aws/sns", () => {
    const { text, keyArn } = setup();
    expect(text).toHaveResourceWithProperties(SnsTopic, { name: "t-alarms", kms_master_key_id: keyArn });
    expect(text).not.toContain("alias/aws/sns");
  });

  test("its policy lets only this account's CloudWatch alarms publish, and refuses publishing without TLS", () => {
    const { json, topicArn } = setup();
    const policy = JSON.parse((Object.values(json.resource.aws_sns_topic_policy)[0] as any).policy);
    expect(policy.Statement).toEqual([
      {
        Sid: "CloudWatchAlarmsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:*" } },
      },
      { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: "*", Action: "sns:Publish", Resource: topicArn, Condition: { Bool: { "aws:SecureTransport": "false" } } },
    ]);
  });

  test("subscribes every configured email address", () => {
    const { text, json, topicArn } = setup();
    expect(text).toHaveResourceWithProperties(SnsTopicSubscription, { topic_arn: topicArn, protocol: "email", endpoint: "ops@example.com" });
    expect(Object.values<any>(json.resource.aws_sns_topic_subscription).map((s) => s.endpoint)).toEqual(["ops@example.com", "oncall@example.org"]);
  });

  test("the key lets CloudWatch publish alarms and principals use it through SNS", () => {
    const { key } = setup();
    expect(key.allowsCloudWatchAlarms).toBe(true);
    expect(key.services).toContain("sns");
  });

  test("a bad, missing or repeated email fails at synth, naming the prop", () => {
    const { stack, key } = base();
    expect(problems(() => new AlarmTopic(stack, "A", { name: "t-a", key, emails: ["ops@example.com", "not-an-email"] }))).toEqual(['emails.1: "not-an-email" is not an email address']);
    expect(problems(() => new AlarmTopic(stack, "B", { name: "t-b", key, emails: [] }))).toEqual([expect.stringMatching(/^emails: must list at least one address/)]);
    expect(problems(() => new AlarmTopic(stack, "C", { name: "t-c", key, emails: ["a@example.com", "a@example.com"] }))).toEqual(["emails: lists an address twice"]);
  });

  test("a key that does not let CloudWatch alarms publish is refused", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key", allowCloudWatchAlarms: false });
    expect(problems(() => new AlarmTopic(stack, "A", { name: "t-a", key, emails: ["ops@example.com"] }))).toEqual([expect.stringMatching(/^key: /)]);
  });
});

describe("EncryptedLogGroup", () => {
  test("is encrypted with the customer key and keeps events 365 days unless told otherwise", () => {
    const { text, keyArn } = setup();
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/t/traefik", kms_key_id: keyArn, retention_in_days: 365 });
    expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/aws/lambda/t-rotation", kms_key_id: keyArn, retention_in_days: 400 });
  });

  test("a retention CloudWatch Logs does not accept fails at synth, naming the prop and the allowed values", () => {
    const { stack, key } = base();
    expect(problems(() => new EncryptedLogGroup(stack, "L", { name: "/t/x", key, retentionInDays: 100 }))).toEqual([
      `retentionInDays: must be one of CloudWatch Logs' values: ${LOG_RETENTION_DAYS.join(", ")}; got 100`,
    ]);
    expect(problems(() => new EncryptedLogGroup(stack, "L0", { name: "/t/y", key, retentionInDays: 0 }))[0]).toMatch(/^retentionInDays:/);
    for (const days of LOG_RETENTION_DAYS) expect(problems(() => new EncryptedLogGroup(stack, `L${days}`, { name: `/t/${days}`, key, retentionInDays: days }))).toEqual([]);
  });

  test("CloudWatch Logs' allowed retention values are the ones the AWS API lists", () => {
    expect([...LOG_RETENTION_DAYS]).toEqual([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]);
  });

  test("a key that does not let CloudWatch Logs use it is refused", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key", allowCloudWatchLogs: false });
    expect(problems(() => new EncryptedLogGroup(stack, "L", { name: "/t/x", key }))).toEqual([expect.stringMatching(/^key: /)]);
  });
});

describe("SecurityMonitoring", () => {
  test("metric filters count failed logins, 5xx and rotation failures, and report 0 when nothing matches", () => {
    const { text, json } = setup();
    expect(text).toHaveResourceWithProperties(CloudwatchLogMetricFilter, {
      name: "tt-FailedLogins",
      pattern: "{ ($.DownstreamStatus = 401) || ($.DownstreamStatus = 403) }",
      metric_transformation: { name: "FailedLogins", namespace: "N8nZeroTrust/tt", value: "1", default_value: "0", unit: "Count" },
    });
    expect(text).toHaveResourceWithProperties(CloudwatchLogMetricFilter, { name: "tt-ServerErrors", pattern: "{ $.DownstreamStatus >= 500 }" });
    expect(text).toHaveResourceWithProperties(CloudwatchLogMetricFilter, { name: "tt-RotationFailures", pattern: '"rotation_failed"' });
    for (const f of Object.values<any>(json.resource.aws_cloudwatch_log_metric_filter)) expect(f.metric_transformation.default_value).toBe("0");
  });

  test("the login and 5xx filters read the edge's log group, the rotation filter the rotation function's", () => {
    const { json } = setup();
    const groupOf = (metric: string) => {
      const f = Object.values<any>(json.resource.aws_cloudwatch_log_metric_filter).find((x) => x.metric_transformation.name === metric);
      const ref = f.log_group_name.match(/aws_cloudwatch_log_group\.([^.]+)\.name/)[1];
      return json.resource.aws_cloudwatch_log_group[ref].name;
    };
    expect([groupOf("FailedLogins"), groupOf("ServerErrors"), groupOf("RotationFailures")]).toEqual(["/t/traefik", "/t/traefik", "/aws/lambda/t-rotation"]);
  });

  test("every alarm sends alarm and OK notifications to the topic and treats missing data as not breaching", () => {
    const { text, json, topicArn } = setup();
    expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "tt-RotationFailures",
      namespace: "N8nZeroTrust/tt",
      metric_name: "RotationFailures",
      statistic: "Sum",
      period: 60,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      treat_missing_data: "notBreaching",
      actions_enabled: true,
      alarm_actions: [topicArn],
      ok_actions: [topicArn],
    });
    const alarms = Object.values<any>(json.resource.aws_cloudwatch_metric_alarm);
    expect(alarms).toHaveLength(3);
    for (const a of alarms) expect(a).toMatchObject({ treat_missing_data: "notBreaching", actions_enabled: true, alarm_actions: [topicArn], ok_actions: [topicArn] });
  });

  test("the dashboard shows the alarms and one graph per metric", () => {
    const { json } = setup();
    const dashboard = Object.values<any>(json.resource.aws_cloudwatch_dashboard)[0];
    expect(dashboard.dashboard_name).toBe("tt-security");
    const body = JSON.parse(dashboard.dashboard_body);
    expect(body.widgets[0].type).toBe("alarm");
    expect([...body.widgets[0].properties.alarms].sort()).toEqual(Object.keys(json.resource.aws_cloudwatch_metric_alarm).map((k) => `\${aws_cloudwatch_metric_alarm.${k}.arn}`).sort());
    expect(body.widgets.slice(1).map((w: any) => w.properties.metrics[0])).toEqual([
      ["N8nZeroTrust/tt", "FailedLogins"],
      ["N8nZeroTrust/tt", "ServerErrors"],
      ["N8nZeroTrust/tt", "RotationFailures"],
    ]);
  });

  test("invalid alarm specs fail at synth, naming each prop", () => {
    const { stack, key } = base();
    const topic = new AlarmTopic(stack, "Alarms", { name: "t-alarms", key, emails: ["ops@example.com"] });
    const logGroup = new EncryptedLogGroup(stack, "L", { name: "/t/x", key });
    expect(
      problems(
        () =>
          new SecurityMonitoring(stack, "M", {
            prefix: "T_bad",
            topic,
            alarms: [{ name: "bad name", logGroup, pattern: " ", threshold: 0, periodSeconds: 30, description: "x" }],
          }),
      ).map((p) => p.split(":")[0]),
    ).toEqual(["prefix", "alarms.0.name", "alarms.0.pattern", "alarms.0.threshold", "alarms.0.periodSeconds"]);
  });
});
