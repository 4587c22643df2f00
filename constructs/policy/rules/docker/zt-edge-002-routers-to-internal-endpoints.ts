import { isTrueValue, traefikStaticConfig } from "../../docker-model";
import { ruleMatches } from "../../traefik-rules";
import { Rule, RuleFinding } from "../../rule";
import { containerFinding, hostsOf, routerFinding } from "./roles";

const INTERNAL_PATHS = ["/metrics", "/metrics/", "/healthz", "/healthz/readiness"];
const INTERNAL_SERVICES = /^(api|dashboard|prometheus|ping|rest)@internal$/;

export const RoutersToInternalEndpoints: Rule = {
  id: "ZT-EDGE-002",
  level: "error",
  appliesTo: "docker_",
  cause: "A router exposes /metrics, health endpoints or Traefik's API/dashboard",
  explanation:
    "n8n's /metrics and /healthz and Traefik's API, dashboard and metrics reveal internals and must never be routed publicly. " +
    "Exclude them from catch-all rules (`&& !PathPrefix(`/metrics`) && !PathPrefix(`/healthz`)`), never route to api@internal, " +
    "dashboard@internal or prometheus@internal, and never set api.insecure (it serves the API on port 8080 with no auth).",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    const out: RuleFinding[] = [];
    for (const r of model.routers) {
      if (INTERNAL_SERVICES.test(r.service ?? "")) out.push(routerFinding(model, r, `router ${r.name} routes to ${r.service}`));
      if (!r.expr) continue;
      const hit = hostsOf(r).flatMap((host) =>
        INTERNAL_PATHS.filter((path) => {
          try {
            return ruleMatches(r.expr!, { host, path });
          } catch {
            return false;
          }
        }),
      );
      if (hit.length > 0) out.push(routerFinding(model, r, `router ${r.name} matches ${[...new Set(hit)].join(", ")} (rule: ${r.rule})`));
    }
    for (const c of model.containers) {
      const cfg = traefikStaticConfig(c);
      if (isTrueValue(cfg?.keys["api.insecure"])) out.push(containerFinding(c, `${c.name} sets api.insecure = true (API and dashboard without auth on :8080)`));
    }
    return out;
  },
};
