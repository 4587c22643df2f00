import { pathOf, refsIn, refTarget, Rule, RuleContext, RuleFinding } from "../../rule";
import { identityPolicies, literalTargets, resourcePolicies, tenantOf } from "./helpers";

/** The tenant of the role an identity policy belongs to (an `aws_iam_role_policy`'s role, or the role itself). */
function roleTenant(ctx: RuleContext, type: string, body: Record<string, any>): { tenant?: string; role?: string } {
  const role = type === "aws_iam_role" ? body : type === "aws_iam_role_policy" ? ctx.lookup(refTarget(body.role) ?? refsIn(body.role)[0] ?? "") : undefined;
  return { tenant: tenantOf(role), role: typeof role?.name === "string" ? role.name : undefined };
}

/** Tenant-tagged IAM roles by name. */
function rolesByName(ctx: RuleContext): Map<string, string> {
  return ctx.memo("ten:roles", () => new Map(ctx.resources("aws_iam_role").flatMap(([, r]) => (typeof r.name === "string" && tenantOf(r) ? [[r.name, tenantOf(r)!] as [string, string]] : []))));
}

export const TenantForeignAccess: Rule = {
  id: "ZT-TEN-008",
  level: "error",
  appliesTo: "aws_",
  cause: "A tenant's IAM principal may use another tenant's secrets, key or logs",
  explanation:
    "A tenant's own principals (its rotation function's role) may reach only the tenant's own secrets, key and log groups; " +
    "the shared Docker host's role is the only principal that reads every tenant's secrets (it writes each into that tenant's " +
    "folder). An identity policy of tenant A's role naming tenant B's resources, or tenant B's secret admitting tenant A's role, " +
    "lets one tenant's compromised function read or rotate the other's credentials.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    // A tenant's role whose policy names another tenant's resources (by reference or by a literal ARN pattern).
    for (const u of identityPolicies(ctx)) {
      const { tenant, role } = roleTenant(ctx, u.type, u.body);
      if (!tenant || !u.doc.ok) continue;
      for (const s of u.doc.statements) {
        if (s.effect !== "Allow") continue;
        const targets = new Set([...s.resources.flatMap((r) => refsIn(r)), ...s.resources.flatMap((r) => literalTargets(ctx, r))]);
        for (const address of targets) {
          const owner = tenantOf(ctx.lookup(address));
          if (owner && owner !== tenant) out.push({ resource: `${u.type}.${u.name}`, path: pathOf(u.body), detail: `role ${role ?? "?"} of tenant ${tenant} is allowed ${s.actions.join(", ")} on tenant ${owner}'s ${address}` });
        }
      }
    }
    // A tenant's secret whose policy admits another tenant's role.
    const roles = rolesByName(ctx);
    for (const u of resourcePolicies(ctx)) {
      if (u.type !== "aws_secretsmanager_secret_policy" && u.type !== "aws_secretsmanager_secret") continue;
      const secretAddress = u.type === "aws_secretsmanager_secret" ? `${u.type}.${u.name}` : (refTarget(u.body.secret_arn) ?? refsIn(u.body.secret_arn)[0]);
      const owner = tenantOf(ctx.lookup(secretAddress ?? ""));
      if (!owner || !u.doc.ok) continue;
      const admitted = u.doc.statements.flatMap((s) => [
        ...(s.effect === "Allow" ? (s.principals?.aws ?? []) : []),
        // "Only these principals": the Deny's StringNotLike aws:PrincipalArn list names who may.
        ...(s.effect === "Deny" ? Object.values(s.condition ?? {}).flatMap((c) => [c["aws:PrincipalArn"]].flat().filter((x): x is string => typeof x === "string")) : []),
      ]);
      for (const arn of admitted) {
        const name = /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
        const tenant = name ? roles.get(name) : undefined;
        if (tenant && tenant !== owner) out.push({ resource: `${u.type}.${u.name}`, path: pathOf(u.body), detail: `tenant ${owner}'s secret ${secretAddress} admits role ${name} of tenant ${tenant}` });
      }
    }
    return out;
  },
};
