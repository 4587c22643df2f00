import { Construct } from "constructs";
import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Wafv2WebAclLoggingConfiguration } from "@cdktf/provider-aws/lib/wafv2-web-acl-logging-configuration";
import { Validator } from "../common/validation";
import { CustomerManagedKey } from "../aws/kms-key";
import { EncryptedLogGroup } from "../aws/monitoring";

export interface N8nWafProps {
  /** Prefix of the web ACL's and its metrics' names. */
  readonly prefix: string;
  /** The ALB the web ACL protects. */
  readonly loadBalancerArn: string;
  /** Path prefixes of the public paths (`/webhook/`...): the rate-based rule counts only these. */
  readonly publicPathPrefixes: readonly string[];
  /** Requests per client IP per 5 minutes on the public paths before WAF blocks that IP (100 to 2e9). */
  readonly publicPathsRateLimit: number;
  readonly key: CustomerManagedKey;
  /** @default 365 */
  readonly logRetentionDays?: number;
}

/** WAF's metric name of a rule (the alarm on blocks reads it). */
export function wafMetricName(prefix: string, rule: string): string {
  return `${prefix}-${rule}`;
}

/**
 * The web ACL of the n8n ALB (regional): a rate-based rule per client IP on the public paths
 * (they skip sign-in, so they are what a flood hits), AWS's managed Common and Known-bad-inputs
 * rule groups, and logging into a KMS-encrypted log group whose name starts with `aws-waf-logs-`
 * (WAF refuses any other), with the `authorization` and `cookie` headers redacted.
 *
 * The Common rule set's `SizeRestrictions_BODY` blocks bodies over 8 KB; n8n's editor saves
 * workflows and webhooks take payloads far larger, so that one rule only counts.
 */
export class N8nWaf extends Construct {
  public readonly webAcl: Wafv2WebAcl;
  public readonly logGroup: EncryptedLogGroup;
  /** The rate-based rule's metric name. */
  public readonly rateRuleMetric: string;

  constructor(scope: Construct, id: string, props: N8nWafProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(Number.isInteger(props.publicPathsRateLimit) && props.publicPathsRateLimit >= 100 && props.publicPathsRateLimit <= 2e9, "publicPathsRateLimit", `must be a whole number from 100 to 2000000000, got ${props.publicPathsRateLimit}`);
    v.check(props.publicPathPrefixes.length >= 1, "publicPathPrefixes", "must list at least one path prefix");
    v.throwIfAny();
    const p = props.prefix;
    const visibility = (name: string) => ({ cloudwatch_metrics_enabled: true, metric_name: wafMetricName(p, name), sampled_requests_enabled: true });
    const startsWith = (prefix: string) => ({
      byte_match_statement: { search_string: prefix, positional_constraint: "STARTS_WITH", field_to_match: [{ uri_path: [{}] }], text_transformation: [{ priority: 0, type: "NONE" }] },
    });
    const paths = props.publicPathPrefixes.map(startsWith);
    this.rateRuleMetric = wafMetricName(p, "public-paths-rate");

    this.webAcl = new Wafv2WebAcl(this, "Resource", {
      name: `${p}-web-acl`,
      description: "n8n ALB: rate limit on the public paths, AWS managed rule groups",
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: wafMetricName(p, "web-acl"), sampledRequestsEnabled: true },
    });
    // Written as Terraform JSON: the statements nest deeper than the typed classes reach.
    this.webAcl.addOverride("rule", [
      {
        name: "public-paths-rate",
        priority: 1,
        action: [{ block: [{}] }],
        statement: [
          {
            rate_based_statement: [
              {
                limit: props.publicPathsRateLimit,
                evaluation_window_sec: 300,
                aggregate_key_type: "IP",
                scope_down_statement: [paths.length === 1 ? paths[0] : { or_statement: [{ statement: paths }] }],
              },
            ],
          },
        ],
        visibility_config: [visibility("public-paths-rate")],
      },
      {
        name: "aws-common",
        priority: 10,
        override_action: [{ none: [{}] }],
        statement: [
          {
            managed_rule_group_statement: [
              { name: "AWSManagedRulesCommonRuleSet", vendor_name: "AWS", rule_action_override: [{ name: "SizeRestrictions_BODY", action_to_use: [{ count: [{}] }] }] },
            ],
          },
        ],
        visibility_config: [visibility("aws-common")],
      },
      {
        name: "aws-known-bad-inputs",
        priority: 20,
        override_action: [{ none: [{}] }],
        statement: [{ managed_rule_group_statement: [{ name: "AWSManagedRulesKnownBadInputsRuleSet", vendor_name: "AWS" }] }],
        visibility_config: [visibility("aws-known-bad-inputs")],
      },
    ]);

    this.logGroup = new EncryptedLogGroup(this, "Logs", { name: `aws-waf-logs-${p}`, key: props.key, retentionInDays: props.logRetentionDays ?? 365 });
    new Wafv2WebAclLoggingConfiguration(this, "Logging", {
      resourceArn: this.webAcl.arn,
      logDestinationConfigs: [this.logGroup.logGroupArn],
      redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
    });
    new Wafv2WebAclAssociation(this, "Association", { resourceArn: props.loadBalancerArn, webAclArn: this.webAcl.arn });
  }
}
