import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

export const RdsInstanceHardening: Rule = {
  id: "ZT-AWS-RDS-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An RDS instance is public, unencrypted or on an AWS-managed key, keeps its master password in Terraform, or lacks backups or deletion protection",
  checkov: ["CKV_AWS_16", "CKV_AWS_17", "CKV_AWS_293", "CKV_AWS_133"],
  explanation:
    "n8n's database holds every workflow and its encrypted credentials. An aws_db_instance must set publicly_accessible " +
    "= false, storage_encrypted = true with kms_key_id on a customer-managed key, backup_retention_period of at least 7 " +
    "days and deletion_protection = true, and let RDS keep the master password (manage_master_user_password = true, " +
    "a Secrets Manager secret on the key) instead of `password`, which lands in the state. TLS is forced in its parameter " +
    "group (rds.force_ssl = 1, see the parameter-group checks of the review).",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_db_instance", (d, key) => {
      const problems: string[] = [];
      if (d.publicly_accessible === true) problems.push("is publicly accessible");
      if (d.storage_encrypted !== true) problems.push("is not encrypted");
      else if (!d.kms_key_id || isAwsManagedKey(d.kms_key_id)) problems.push("is encrypted with the AWS-managed key");
      if (!(Number(d.backup_retention_period) >= 7)) problems.push(`keeps backups ${d.backup_retention_period ?? 0} days (< 7)`);
      if (d.deletion_protection !== true) problems.push("has no deletion protection");
      if (d.password !== undefined || d.manage_master_user_password !== true) problems.push("has its master password in Terraform, not managed by RDS");
      return problems.length > 0 ? `DB instance ${displayName({ name: d.identifier }, key)} ${problems.join(", ")}` : undefined;
    }),
};
