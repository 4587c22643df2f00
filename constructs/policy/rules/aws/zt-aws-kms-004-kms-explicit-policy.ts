import { refsIn, Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const KmsExplicitPolicy: Rule = {
  id: "ZT-AWS-KMS-004",
  level: "warning",
  appliesTo: "aws_",
  cause: "A customer-managed KMS key has no explicit key policy",
  checkov: ["CKV2_AWS_64"],
  explanation:
    "Without a policy AWS attaches its default one, which gives the account root every kms:* action, so any principal of the " +
    "account whose IAM policy allows kms:Decrypt on * can decrypt with the key, through any service. Write the policy " +
    "(policy, or an aws_kms_key_policy): administration for the root, use only through the services of the encrypted " +
    "resources, as CustomerManagedKey does.",
  evaluate: (_stack, ctx) => {
    const separate = ctx.memo("kms:separate-policies", () => new Set(ctx.resources("aws_kms_key_policy").flatMap(([, p]) => refsIn(p.key_id))));
    return eachResource(ctx, "aws_kms_key", (k, key) => (k.policy || separate.has(`aws_kms_key.${key}`) ? undefined : `key ${displayName(k, key)} has no policy and no aws_kms_key_policy`));
  },
};
