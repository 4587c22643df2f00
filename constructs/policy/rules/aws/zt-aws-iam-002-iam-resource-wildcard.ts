import { Rule } from "../../rule";
import { allowStatementFindings } from "./helpers";

/**
 * Actions that AWS grants only on Resource "*" (no resource-level permissions), so "*" is the
 * only correct form for them. Besides this list, read-only Describe* and List* actions (except
 * S3 object listing) are accepted on "*": most have no resource-level permissions either.
 */
const STAR_ONLY_ACTIONS = new Set(
  [
    "secretsmanager:GetRandomPassword",
    "ec2:CreateNetworkInterface",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
    "ecr:GetAuthorizationToken",
    "sts:GetCallerIdentity",
    "cloudwatch:PutMetricData",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage",
    "ec2messages:DeleteMessage",
    "ec2messages:FailMessage",
    "ec2messages:GetEndpoint",
    "ec2messages:GetMessages",
    "ec2messages:SendReply",
  ].map((a) => a.toLowerCase()),
);

function needsResource(action: string): boolean {
  const a = action.toLowerCase();
  if (STAR_ONLY_ACTIONS.has(a)) return false;
  if (/^[a-z0-9-]+:describe[a-z0-9]*\*?$/.test(a)) return false;
  if (/^[a-z0-9-]+:list[a-z0-9]*\*?$/.test(a) && !a.startsWith("s3:listbucket")) return false;
  return true;
}

export const IamResourceWildcard: Rule = {
  id: "ZT-AWS-IAM-002",
  level: "error",
  appliesTo: "aws_",
  cause: 'An IAM policy allows actions that support resource-level permissions on Resource "*" (or uses NotResource)',
  checkov: ["CKV_AWS_355", "CKV_AWS_356", "CKV_AWS_290", "CKV_AWS_111"],
  explanation:
    'Name the resources (the secrets, the key, the bucket prefix). Resource "*" is accepted only for actions AWS grants on ' +
    '"*" alone (e.g. secretsmanager:GetRandomPassword, ecr:GetAuthorizationToken, VPC network-interface actions, read-only ' +
    "Describe*/List*); keep those in a statement of their own. An Allow with NotResource grants every other resource.",
  evaluate: (_stack, ctx) => {
    return allowStatementFindings(ctx, (s, label) => {
      const out: string[] = [];
      if (s.notResources.length > 0) out.push(`statement ${label} allows every resource but ${s.notResources.join(", ")} (NotResource)`);
      const scoped = s.resources.includes("*") ? s.actions.filter(needsResource) : [];
      if (scoped.length > 0) out.push(`statement ${label} allows ${scoped.join(", ")} on "*"`);
      return out;
    });
  },
};
