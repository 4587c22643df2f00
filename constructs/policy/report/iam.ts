import { isExpression, refsIn, RuleContext } from "../rule";
import { displayName, identityPolicies, keyPolicies, PolicyUse, resourcePolicies, trustPolicies } from "../rules/aws/helpers";
import { cell, table, unref } from "./markdown";
import { principalsOfPolicy } from "./secrets";

/** `${aws_secretsmanager_secret.S_1.arn}` → `secretsmanager secret n8n-prod/x`; other text unchanged. */
function friendly(ctx: RuleContext, value: string): string {
  if (!isExpression(value)) return value;
  let out = value;
  for (const ref of new Set(refsIn(value))) {
    const body = ctx.lookup(ref);
    if (!body) continue;
    const type = ref.split(".")[ref.startsWith("data.") ? 1 : 0].replace(/^aws_/, "").replace(/_/g, " ");
    const name = displayName(body, ref.split(".").pop()!);
    out = out.replace(new RegExp(`\\$\\{${ref.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^}]*\\}`, "g"), `${type} ${name}`);
  }
  return unref(out);
}

function statementRows(ctx: RuleContext, uses: PolicyUse[], owner: (u: PolicyUse) => string, kind: "identity" | "resource"): string[][] {
  const rows: string[][] = [];
  for (const u of uses) {
    if (!u.doc.ok) {
      rows.push([cell(owner(u)), "?", cell(`not readable from the plan: ${u.doc.reason}`), "", "", ""]);
      continue;
    }
    for (const s of u.doc.statements) {
      const who = s.principals ? (s.principals.anyone ? "**anyone (*)**" : [...s.principals.aws, ...s.principals.service, ...s.principals.federated].join(", ")) : "";
      // In a resource or key policy Resource "*" means "this resource"; there the risk is who, not what.
      const wildAction = s.actions.some((a) => a === "*" || a.endsWith(":*")) || s.notActions.length > 0;
      const wildcard = s.effect === "Allow" && (kind === "identity" ? wildAction || s.resources.includes("*") || s.notResources.length > 0 : (wildAction && !s.principals?.aws.every((p) => /:root$/.test(p))) || (s.principals?.anyone && !s.condition));
      rows.push([
        cell(owner(u)),
        s.effect,
        cell(`${s.actions.join(", ")}${s.notActions.length > 0 ? `NOT ${s.notActions.join(", ")}` : ""}`) + (wildcard ? " ⚠" : ""),
        cell([...s.resources, ...s.notResources.map((r) => `NOT ${r}`)].map((r) => friendly(ctx, r)).join(", ") || "(this resource)"),
        cell(who || "(the attached principal)"),
        s.condition ? cell(friendly(ctx, JSON.stringify(s.condition))) : "—",
      ]);
    }
  }
  return rows;
}

/** The resource a resource policy protects, by name. */
function resourceOwner(ctx: RuleContext, u: PolicyUse): string {
  const target = ["bucket", "arn", "secret_arn", "queue_url", "repository"].map((a) => u.body[a]).find((v) => typeof v === "string");
  if (target) return friendly(ctx, target);
  return `${u.type.replace(/^aws_/, "").replace(/_/g, " ")} ${displayName(u.body, u.name)}`;
}

/** Each role and who may assume it; what identity policies allow; what resource and key policies allow. */
export function iamSection(ctx: RuleContext): string {
  const roles = ctx.resources("aws_iam_role");
  const identity = identityPolicies(ctx);
  const resource = [...resourcePolicies(ctx), ...keyPolicies(ctx)];
  if (roles.length === 0 && identity.length === 0 && resource.length === 0) return "";
  const lines = ["### IAM summary", ""];
  if (roles.length > 0) {
    const trust = trustPolicies(ctx);
    lines.push(
      ...table(
        ["role", "assumed by", "policies"],
        roles.map(([key, r]) => {
          const t = trust.find((u) => u.name === key);
          const by = !t ? "?" : t.doc.ok ? t.doc.statements.filter((s) => s.effect === "Allow").map((s) => `${s.principals?.anyone ? "**anyone**" : [...(s.principals?.aws ?? []), ...(s.principals?.service ?? []), ...(s.principals?.federated ?? [])].join(", ")}${s.condition ? " (with a condition)" : ""}`).join("; ") : `not readable (${t.doc.reason})`;
          const roleName = `role ${displayName(r, key)}`;
          const attached = identity.filter((u) => principalsOfPolicy(ctx, u).some((p) => p === roleName || p.startsWith(`${roleName} (`))).map((u) => `${u.type}.${u.name}`);
          const managed = [...ctx.resources("aws_iam_role_policy_attachment").filter(([, a]) => refsIn(a.role).includes(`aws_iam_role.${key}`) && !isExpression(a.policy_arn)).map(([, a]) => String(a.policy_arn))];
          return [cell(displayName(r, key)), cell(by), cell([...attached, ...managed].join(", ") || "none")];
        }),
      ),
      "",
    );
  }
  if (identity.length > 0) {
    lines.push("What identity policies allow (⚠ = wildcard action or resource, or NotAction/NotResource):", "");
    lines.push(...table(["policy → attached to", "effect", "actions", "resources", "principal", "condition"], statementRows(ctx, identity, (u) => `${u.type}.${u.name} → ${principalsOfPolicy(ctx, u).join(", ")}`, "identity")), "");
  }
  if (resource.length > 0) {
    lines.push("What resource and key policies allow or deny (Resource \"*\" there means the resource itself; ⚠ = every action, or anyone without a condition):", "");
    lines.push(...table(["resource", "effect", "actions", "resources", "principal", "condition"], statementRows(ctx, resource, (u) => resourceOwner(ctx, u), "resource")), "");
  }
  return lines.join("\n");
}
