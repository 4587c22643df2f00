import { Rule } from "../../rule";
import { identityPolicies, keyPolicies, policyFinding, resourcePolicies, trustPolicies } from "./helpers";

export const IamUnreadablePolicy: Rule = {
  id: "ZT-AWS-IAM-005",
  level: "warning",
  appliesTo: "aws_",
  cause: "A policy is an expression the plan does not resolve, so no rule could check it",
  explanation:
    "Policies written as literal JSON (JSON.stringify in a construct) or as an aws_iam_policy_document data source are " +
    "checked; `jsonencode(...)`, `file(...)` or references to other stacks are not. Review such a policy by hand, or write it " +
    "in a checkable form.",
  evaluate: (_stack, ctx) =>
    [...identityPolicies(ctx), ...resourcePolicies(ctx), ...trustPolicies(ctx), ...keyPolicies(ctx)].flatMap((u) => (u.doc.ok ? [] : [policyFinding(u, `${u.attribute}: ${u.doc.reason}`)])),
};
