import { Rule, RuleFinding, strings } from "../../rule";
import { allowStatementFindings } from "./helpers";

const ADMIN_POLICY = /^arn:aws[a-z-]*:iam::aws:policy\/(AdministratorAccess|IAMFullAccess|PowerUserAccess)$/;

export const IamActionWildcard: Rule = {
  id: "ZT-AWS-IAM-001",
  level: "error",
  appliesTo: "aws_",
  cause: 'An IAM policy allows every action ("*"), every action of a service ("svc:*"), uses NotAction, or attaches an admin managed policy',
  checkov: ["CKV_AWS_62", "CKV_AWS_63", "CKV_AWS_1", "CKV_AWS_49", "CKV_AWS_274"],
  explanation:
    "Least privilege means naming the actions a principal needs (secretsmanager:GetSecretValue, not secretsmanager:*). " +
    "An Allow with NotAction grants everything not listed, including actions AWS adds later. AdministratorAccess, " +
    "PowerUserAccess and IAMFullAccess hand over the account.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = allowStatementFindings(ctx, (s, label) => {
      const wild = s.actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
      return [
        ...(wild.length > 0 ? [`statement ${label} allows ${wild.join(", ")}`] : []),
        ...(s.notActions.length > 0 ? [`statement ${label} allows everything but ${s.notActions.join(", ")} (NotAction)`] : []),
      ];
    });
    for (const type of ["aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment", "aws_iam_policy_attachment"]) {
      for (const [name, a] of ctx.resources(type)) {
        if (ADMIN_POLICY.test(String(a.policy_arn))) out.push({ resource: `${type}.${name}`, path: a["//"]?.metadata?.path, detail: `attaches ${a.policy_arn}` });
      }
    }
    for (const [name, r] of ctx.resources("aws_iam_role")) {
      const admin = strings(r.managed_policy_arns).filter((arn) => ADMIN_POLICY.test(arn));
      if (admin.length > 0) out.push({ resource: `aws_iam_role.${name}`, path: r["//"]?.metadata?.path, detail: `managed_policy_arns includes ${admin.join(", ")}` });
    }
    return out;
  },
};
