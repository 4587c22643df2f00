import { pathOf, Rule } from "../../rule";

/** Policy-bearing resources and their policy attribute. */
const POLICY_RESOURCES: [string, string][] = [
  ["aws_iam_policy", "policy"],
  ["aws_iam_role_policy", "policy"],
  ["aws_iam_user_policy", "policy"],
  ["aws_iam_group_policy", "policy"],
];

/** Actions AWS only grants on `*` (no resource-level permissions). */
const STAR_ONLY_ACTIONS = new Set(["secretsmanager:GetRandomPassword", "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses", "ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel", "ec2messages:GetMessages", "ec2messages:AcknowledgeMessage", "ec2messages:SendReply", "ec2messages:DeleteMessage", "ec2messages:FailMessage", "ec2messages:GetEndpoint", "logs:DescribeLogGroups", "cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords"]);

const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);

export const IamWildcards: Rule = {
  id: "ZT-AWS-IAM-001",
  level: "error",
  cause: "An IAM policy allows every action, or a resource \"*\" for actions that support resource-level permissions",
  checkov: ["CKV_AWS_355", "CKV_AWS_290", "CKV_AWS_62", "CKV_AWS_63"],
  explanation: "Least privilege means naming the resources. `Resource: \"*\"` is acceptable only for actions AWS grants on `*` alone (e.g. secretsmanager:GetRandomPassword, VPC network-interface actions) — list them in a statement of their own.",
  evaluate: (ctx) =>
    POLICY_RESOURCES.flatMap(([type, attr]) =>
      ctx.resources(type).flatMap(([key, r]) => {
        let doc: any;
        try {
          doc = typeof r[attr] === "string" ? JSON.parse(r[attr]) : r[attr];
        } catch {
          return [{ resource: `${type}.${key}`, path: pathOf(r), detail: "policy is not literal JSON and cannot be checked" }];
        }
        return list(doc?.Statement ?? []).length === 0
          ? []
          : (Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]).flatMap((s: any, i: number) => {
              if (s.Effect !== "Allow") return [];
              const actions = list(s.Action);
              const resources = list(s.Resource);
              const issues = [];
              if (actions.some((a) => a === "*" || a.endsWith(":*"))) issues.push(`statement ${s.Sid ?? i} allows ${actions.filter((a) => a === "*" || a.endsWith(":*")).join(", ")}`);
              if (resources.includes("*") && actions.some((a) => !STAR_ONLY_ACTIONS.has(a))) issues.push(`statement ${s.Sid ?? i} allows ${actions.filter((a) => !STAR_ONLY_ACTIONS.has(a)).join(", ")} on "*"`);
              return issues.map((d) => ({ resource: `${type}.${key}`, path: pathOf(r), detail: d }));
            });
      }),
    ),
};
