import { pathOf, Rule, RuleFinding } from "../../rule";
import { hasCondition, policyFinding, resourcePolicies } from "./helpers";

export const IamPublicResourcePolicy: Rule = {
  id: "ZT-AWS-IAM-003",
  level: "error",
  appliesTo: "aws_",
  cause: 'A resource policy (bucket, topic, queue, secret, repository, log group, Lambda permission) allows Principal "*" without a condition',
  checkov: ["CKV_AWS_70", "CKV_AWS_301"],
  explanation:
    'An Allow for Principal "*" with no condition makes the resource public: anyone on the internet with an AWS account. ' +
    "Name the principals, or scope a service principal with aws:SourceAccount / aws:SourceArn. Deny statements with " +
    'Principal "*" (e.g. deny non-TLS) are the opposite and fine. Key policies are checked by ZT-AWS-KMS-002.',
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    for (const u of resourcePolicies(ctx)) {
      if (!u.doc.ok) continue;
      const open = u.doc.statements.filter((s) => s.effect === "Allow" && s.principals?.anyone && !hasCondition(s));
      if (open.length > 0) out.push(policyFinding(u, `statement ${open.map((s) => s.sid ?? "(no Sid)").join(", ")} allows Principal * without a condition`));
    }
    for (const [name, p] of ctx.resources("aws_lambda_permission")) {
      if (p.principal === "*" && !p.source_arn && !p.source_account && !p.principal_org_id) {
        out.push({ resource: `aws_lambda_permission.${name}`, path: pathOf(p), detail: `lets anyone ${p.action ?? "invoke"} ${p.function_name ?? "the function"}` });
      }
    }
    return out;
  },
};
