import { Rule, RuleFinding, pathOf } from "../../rule";
import { displayName, keyAddressOf, taggedResources, tenantOf } from "./helpers";

/** Attributes that name the key a resource is encrypted with (hashicorp/aws 5.x). */
const KEY_ATTRIBUTES = ["kms_key_id", "kms_master_key_id", "kms_key_arn", "kms_key"] as const;

export const TenantForeignKey: Rule = {
  id: "ZT-TEN-007",
  level: "error",
  appliesTo: "aws_",
  cause: "A tenant's AWS resource is encrypted with a key that is not the tenant's own",
  explanation:
    "Each tenant has its own customer-managed key: its secrets, log groups and queues are encrypted with it, so the key " +
    "policy and the key's grants are the boundary between tenants, a tenant's data can be made unreadable (key disabled or " +
    "scheduled for deletion) without touching another's, and CloudTrail shows every use of one tenant's data. A resource " +
    "tagged n8n-zero-trust:tenant = A on the shared key or on tenant B's key crosses that boundary.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    for (const [address, body] of taggedResources(ctx)) {
      const tenant = tenantOf(body)!;
      const [type] = address.split(".");
      if (type === "aws_kms_key" || type === "aws_kms_alias") continue;
      for (const attr of KEY_ATTRIBUTES) {
        if (body[attr] === undefined) continue;
        const key = keyAddressOf(ctx, body[attr]);
        if (!key) continue;
        const owner = tenantOf(ctx.lookup(key) ?? {});
        if (owner === tenant) continue;
        out.push({
          resource: address,
          path: pathOf(body),
          detail: `${type} ${displayName(body, address.split(".")[1])} of tenant ${tenant} is encrypted (${attr}) with ${owner ? `tenant ${owner}'s key` : "a key no tenant owns (the shared key)"} ${key}`,
        });
      }
    }
    return out;
  },
};

