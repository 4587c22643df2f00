import { Rule } from "../../rule";
import { eachResource, hasCondition, policyDocument } from "./helpers";

export const KmsKeyPolicyOpen: Rule = {
  id: "ZT-AWS-KMS-002",
  level: "error",
  appliesTo: "aws_",
  cause: 'A KMS key policy allows Principal "*" without a condition',
  checkov: ["CKV_AWS_33"],
  explanation:
    "A key policy statement that allows every principal hands the key to anyone who can call KMS. Name the principals " +
    "(the account root for administration, service principals scoped by aws:SourceAccount or an encryption-context condition).",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_kms_key", (k) => {
      const doc = policyDocument(ctx, k.policy);
      if (!doc?.ok) return undefined;
      const open = doc.statements.filter((s) => s.effect === "Allow" && s.principals?.anyone && !hasCondition(s));
      return open.length > 0 ? `key policy statement ${open.map((s) => s.sid ?? "(no Sid)").join(", ")} allows Principal * without a condition` : undefined;
    }),
};
