import { pathOf, Rule } from "../../rule";

export const KmsRotation: Rule = {
  id: "ZT-AWS-KMS-001",
  level: "error",
  cause: "A KMS key has automatic rotation off or a key policy open to every principal",
  checkov: ["CKV_AWS_7", "CKV_AWS_33"],
  explanation: "Customer-managed keys rotate their material yearly when enable_key_rotation is on. A key policy with Principal \"*\" and no condition hands the key to anyone.",
  evaluate: (ctx) =>
    ctx.resources("aws_kms_key").flatMap(([key, k]) => {
      const issues = [];
      if (k.enable_key_rotation !== true) issues.push("rotation off");
      try {
        const doc = typeof k.policy === "string" ? JSON.parse(k.policy) : k.policy;
        if ((doc?.Statement ?? []).some((s: any) => s.Effect === "Allow" && (s.Principal === "*" || s.Principal?.AWS === "*") && !s.Condition)) issues.push("policy allows Principal * without a condition");
      } catch {
        /* a policy we cannot read is reported by the IAM rule */
      }
      return issues.length > 0 ? [{ resource: `aws_kms_key.${key}`, path: pathOf(k), detail: issues.join("; ") }] : [];
    }),
};
