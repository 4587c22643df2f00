import { Rule, RuleFinding } from "../../rule";
import { isEdgeProxy, networkRole, tenantOf } from "./roles";

/** Roles of a tenant's networks the shared edge proxy may join: its oauth2-proxy's edge and its n8n's app network. */
const EDGE_PROXY_ROLES = ["edge", "app"];

export const TenantSharedNetwork: Rule = {
  id: "ZT-TEN-001",
  level: "error",
  appliesTo: "docker_",
  cause: "A Docker network joins two tenants' containers, or a tenant's network is joined by a shared container other than the edge proxy on its edge or app network",
  explanation:
    "On a multi-tenant host every tenant's oauth2-proxy, n8n, runners and Postgres sit on networks of their own: a network " +
    "both tenants join lets one tenant's workflows, code nodes or a compromised process open connections to the other's n8n, " +
    "runners or database. Only the shared edge proxy (Traefik) may join a tenant's networks, and only its edge network (to its " +
    "oauth2-proxy) and app network (to its n8n): never its data or egress network, and no other shared container at all. Give " +
    "each tenant its own networks (TenantNetworks) and label them with the tenant (org.n8n-zero-trust.tenant).",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    const out: RuleFinding[] = [];
    for (const n of model.networks) {
      const members = model.containers.filter((c) => c.networks.some((x) => x.name === n.name));
      const tenants = [...new Set([tenantOf(n), ...members.map(tenantOf)].filter((t): t is string => t !== undefined))].sort();
      if (tenants.length > 1) {
        const who = members.filter((c) => tenantOf(c)).map((c) => `${c.name} (${tenantOf(c)})`);
        out.push({ resource: n.address, detail: `${n.name} joins tenants ${tenants.join(", ")}: ${who.join(", ") || "its label names another tenant than its members"}` });
        continue;
      }
      if (tenants.length === 0) continue;
      const role = networkRole(n, model);
      const strangers = members.filter((c) => !tenantOf(c) && !(isEdgeProxy(c) && role !== undefined && EDGE_PROXY_ROLES.includes(role)));
      if (strangers.length > 0) {
        out.push({ resource: n.address, detail: `${n.name} (tenant ${tenants[0]}, ${role ?? "unknown role"}) is also joined by shared ${strangers.map((c) => c.name).join(", ")}; only the edge proxy may join a tenant's edge or app network` });
      }
    }
    return out;
  },
};
