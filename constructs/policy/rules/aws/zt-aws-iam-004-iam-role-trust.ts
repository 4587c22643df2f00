import { Rule, RuleFinding } from "../../rule";
import { hasCondition, policyFinding, trustPolicies } from "./helpers";

export const IamRoleTrust: Rule = {
  id: "ZT-AWS-IAM-004",
  level: "error",
  appliesTo: "aws_",
  cause: "A role can be assumed by any principal, or by a web identity without a condition",
  checkov: ["CKV_AWS_60", "CKV_AWS_61"],
  explanation:
    'A trust policy with Principal "*" (or {"AWS": "*"}) and no condition lets any AWS account assume the role. A federated ' +
    "web identity (e.g. GitHub OIDC) without a condition on the token's subject lets every repository of that provider in.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    for (const u of trustPolicies(ctx)) {
      if (!u.doc.ok) continue;
      for (const s of u.doc.statements) {
        if (s.effect !== "Allow" || hasCondition(s)) continue;
        if (s.principals?.anyone) out.push(policyFinding(u, `statement ${s.sid ?? "(no Sid)"} lets any principal assume the role`));
        else if ((s.principals?.federated.length ?? 0) > 0 && s.actions.some((a) => /AssumeRoleWith(WebIdentity|SAML)/.test(a))) {
          out.push(policyFinding(u, `statement ${s.sid ?? "(no Sid)"} trusts ${s.principals!.federated.join(", ")} without a condition`));
        }
      }
    }
    return out;
  },
};
