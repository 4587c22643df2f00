import { ruleMatches } from "../../traefik-rules";
import { Rule } from "../../rule";

const INTERNAL_PATHS = ["/metrics", "/metrics/", "/healthz", "/healthz/readiness"];

export const RoutersToInternalEndpoints: Rule = {
  id: "ZT-EDGE-002",
  level: "error",
  cause: "A router exposes /metrics, health endpoints or Traefik's API/dashboard",
  explanation: "n8n's /metrics and /healthz and Traefik's API and dashboard reveal internals and must never be routed publicly. Exclude them from catch-all rules (`!PathPrefix(`/metrics`)`) and never route to api@internal or dashboard@internal.",
  evaluate: (ctx) =>
    ctx.docker.routers.flatMap((r) => {
      const container = ctx.docker.containers.find((c) => c.name === r.container);
      const out = [];
      if (/^(api|dashboard)@internal$/.test(r.service ?? "")) out.push({ resource: container?.address ?? r.name, path: container?.path, detail: `router ${r.name} routes to ${r.service}` });
      if (r.expr) {
        const hosts = [...r.rule.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1]);
        const hit = (hosts.length ? hosts : ["probe.invalid"]).flatMap((host) => INTERNAL_PATHS.filter((p) => ruleMatches(r.expr!, { host, path: p })));
        if (hit.length > 0) out.push({ resource: container?.address ?? r.name, path: container?.path, detail: `router ${r.name} matches ${[...new Set(hit)].join(", ")}` });
      }
      return out;
    }),
};
