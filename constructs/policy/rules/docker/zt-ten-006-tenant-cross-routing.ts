import { findMiddleware, ModelContainer } from "../../docker-model";
import { Rule, RuleFinding } from "../../rule";
import { containerOf, hostsOf, routerFinding, tenantOf } from "./roles";

export const TenantCrossRouting: Rule = {
  id: "ZT-TEN-006",
  level: "error",
  appliesTo: "docker_",
  cause: "A tenant's router reaches another tenant's service: its service, SSO middleware or forwardAuth address is another tenant's, two tenants route the same host, or Traefik reaches it over another tenant's network",
  explanation:
    "Traefik merges what every container's labels declare: a router of tenant A that names tenant B's service sends A's " +
    "visitors to B's n8n; one that uses B's forwardAuth middleware admits A's editor with B's allow-list and cookie; a service " +
    "name both tenants declare is load-balanced over both tenants' containers; and two tenants on one host name answer each " +
    "other's requests. Every router, service and middleware of a tenant carries the tenant's prefix, its host is its own, and " +
    "`traefik.docker.network` names one of its own networks.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    const out: RuleFinding[] = [];
    const byName = new Map(model.containers.map((c) => [c.name, c]));
    // Which tenants declare each service (Traefik merges a service's servers across containers).
    const serviceTenants = new Map<string, Set<string>>();
    for (const c of model.containers) {
      const t = tenantOf(c);
      if (!t) continue;
      for (const k of Object.keys(c.labels)) {
        const s = /^traefik\.http\.services\.([^.]+)\./i.exec(k)?.[1];
        if (s) serviceTenants.set(s.toLowerCase(), new Set([...(serviceTenants.get(s.toLowerCase()) ?? []), t]));
      }
    }
    const hostTenants = new Map<string, Set<string>>();
    for (const r of model.routers) {
      const c = containerOf(model, r);
      const t = c ? tenantOf(c) : undefined;
      if (!c || !t) continue;
      const problems: string[] = [];
      const svcOwners = r.service ? serviceTenants.get(r.service.toLowerCase()) : undefined;
      const others = [...(svcOwners ?? [])].filter((x) => x !== t);
      if (others.length > 0) problems.push(`its service ${r.service} is also declared by tenant ${others.join(", ")}`);
      for (const ref of r.middlewares) {
        const m = findMiddleware(model, ref, r.provider ?? "docker");
        const owner: ModelContainer | undefined = m ? byName.get(m.container) : undefined;
        const ot = owner ? tenantOf(owner) : undefined;
        if (ot && ot !== t) problems.push(`its middleware ${ref} is tenant ${ot}'s`);
        if (m?.type === "forwardauth") {
          const host = /^https?:\/\/([^:/]+)/.exec(m.settings.address ?? "")?.[1];
          const target = host ? byName.get(host) : undefined;
          if (target && tenantOf(target) && tenantOf(target) !== t) problems.push(`its forwardAuth asks ${target.name}, tenant ${tenantOf(target)}'s SSO`);
        }
      }
      const net = c.labels["traefik.docker.network"];
      const netObj = net ? model.networks.find((n) => n.name === net) : undefined;
      if (netObj && tenantOf(netObj) && tenantOf(netObj) !== t) problems.push(`Traefik reaches it over ${net}, tenant ${tenantOf(netObj)}'s network`);
      for (const h of hostsOf(r)) hostTenants.set(h, new Set([...(hostTenants.get(h) ?? []), t]));
      if (problems.length > 0) out.push(routerFinding(model, r, `router ${r.name} of tenant ${t}: ${problems.join("; ")}`));
    }
    for (const r of model.routers) {
      const c = containerOf(model, r);
      const t = c ? tenantOf(c) : undefined;
      if (!t) continue;
      const shared = hostsOf(r).filter((h) => (hostTenants.get(h)?.size ?? 0) > 1);
      if (shared.length > 0) out.push(routerFinding(model, r, `router ${r.name} of tenant ${t} routes ${shared.join(", ")}, which another tenant's routers route too`));
    }
    return out;
  },
};
