import { Rule } from "../../rule";
import { displayName, eachResource, isAwsManagedKey } from "./helpers";

const yes = (v: unknown) => v === true || v === "true";

export const ElasticacheEncryption: Rule = {
  id: "ZT-AWS-ECC-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An ElastiCache replication group lacks TLS in transit, at-rest encryption on a customer key or RBAC, or keeps an auth token in Terraform",
  checkov: ["CKV_AWS_29", "CKV_AWS_30", "CKV_AWS_191"],
  explanation:
    "n8n's queue carries execution payloads. An aws_elasticache_replication_group must set transit_encryption_enabled = " +
    "true (and transit_encryption_mode required, if set), at_rest_encryption_enabled with kms_key_id on a customer-managed " +
    "key, and authenticate with user groups (user_group_ids, RBAC) rather than auth_token: an auth token, like a password " +
    "in aws_elasticache_user, is stored in the state. Users whose passwords Terraform sets are reported too.",
  evaluate: (_stack, ctx) => [
    ...eachResource(ctx, "aws_elasticache_replication_group", (g, key) => {
      const problems: string[] = [];
      if (!yes(g.transit_encryption_enabled)) problems.push("has no TLS in transit");
      else if (g.transit_encryption_mode !== undefined && g.transit_encryption_mode !== "required") problems.push(`accepts plain connections (transit_encryption_mode ${g.transit_encryption_mode})`);
      if (!yes(g.at_rest_encryption_enabled)) problems.push("is not encrypted at rest");
      else if (!g.kms_key_id || isAwsManagedKey(g.kms_key_id)) problems.push("is encrypted at rest with the AWS-managed key");
      if (g.auth_token !== undefined) problems.push("has an auth_token (stored in the state)");
      if (!Array.isArray(g.user_group_ids) || g.user_group_ids.length === 0) problems.push("has no RBAC user group");
      return problems.length > 0 ? `replication group ${displayName({ name: g.replication_group_id }, key)} ${problems.join(", ")}` : undefined;
    }),
    ...eachResource(ctx, "aws_elasticache_user", (u, key) => {
      const mode = Array.isArray(u.authentication_mode) ? u.authentication_mode[0] : u.authentication_mode;
      const passwords = u.passwords ?? mode?.passwords;
      return passwords !== undefined && (!Array.isArray(passwords) || passwords.length > 0) ? `user ${displayName({ name: u.user_id }, key)} has passwords set by Terraform (stored in the state)` : undefined;
    }),
  ],
};
