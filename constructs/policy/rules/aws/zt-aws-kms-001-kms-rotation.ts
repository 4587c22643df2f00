import { Rule } from "../../rule";
import { eachResource } from "./helpers";

export const KmsRotation: Rule = {
  id: "ZT-AWS-KMS-001",
  level: "error",
  appliesTo: "aws_",
  cause: "A symmetric customer-managed KMS key has automatic rotation off",
  checkov: ["CKV_AWS_7"],
  explanation:
    "With enable_key_rotation KMS creates new key material every year (or every rotation_period_in_days) and keeps the old " +
    "material for decryption, so nothing has to be re-encrypted by hand. Asymmetric and HMAC keys cannot rotate and are not checked.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_kms_key", (k) => {
      const spec = k.customer_master_key_spec ?? "SYMMETRIC_DEFAULT";
      if (spec !== "SYMMETRIC_DEFAULT") return undefined;
      return k.enable_key_rotation === true ? undefined : `enable_key_rotation is ${k.enable_key_rotation ?? "unset (off)"}${k.description ? ` on "${k.description}"` : ""}`;
    }),
};
