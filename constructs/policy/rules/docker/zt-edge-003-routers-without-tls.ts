import { findMiddleware, ModelRouter, traefikStaticConfig, TraefikStaticConfig } from "../../docker-model";
import { Rule } from "../../rule";
import { routerFinding } from "./roles";

/** An entry point that only serves TLS, or only redirects to HTTPS. */
function secureEntrypoint(cfg: TraefikStaticConfig, ep: string): boolean {
  const p = `entrypoints.${ep.toLowerCase()}.http.`;
  const keys = Object.keys(cfg.keys);
  return keys.some((k) => k === `${p}tls` || k.startsWith(`${p}tls.`)) || cfg.keys[`${p}redirections.entrypoint.scheme`] === "https" || cfg.keys[`${p}redirections.entrypoint.to`] !== undefined;
}

function entrypointsOf(cfg: TraefikStaticConfig): string[] {
  return [...new Set(Object.keys(cfg.keys).map((k) => /^entrypoints\.([^.]+)\.address$/.exec(k)?.[1]).filter((x): x is string => !!x))];
}

export const RoutersWithoutTls: Rule = {
  id: "ZT-EDGE-003",
  level: "error",
  appliesTo: "docker_",
  cause: "A router serves plain HTTP",
  explanation:
    "Every router must terminate TLS (router tls, or an entry point with http.tls); port 80 exists only to redirect to HTTPS " +
    "(an entry-point redirection or a redirectScheme middleware). A plain-HTTP router sends session cookies and credentials in clear text.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    const configs = model.containers.map(traefikStaticConfig).filter((c): c is TraefikStaticConfig => !!c);
    const redirects = (r: ModelRouter) =>
      r.middlewares.some((m) => {
        const mw = findMiddleware(model, m, r.provider ?? "docker");
        return mw?.type === "redirectscheme" && mw.settings.scheme === "https";
      });
    return model.routers
      .filter((r) => {
        if (r.tls || redirects(r)) return false;
        // With the proxy's static config in the plan, entry-point TLS and redirections count too.
        return !configs.some((cfg) => {
          const eps = r.entrypoints.length > 0 ? r.entrypoints : entrypointsOf(cfg);
          return eps.length > 0 && eps.every((ep) => secureEntrypoint(cfg, ep));
        });
      })
      .map((r) => routerFinding(model, r, `${r.implicit ? `the default router of ${r.container}` : `router ${r.name}`} has no TLS on ${r.entrypoints.join(", ") || "every entry point"}`));
  },
};
