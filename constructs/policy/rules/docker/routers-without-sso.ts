import { middlewareBaseName, ModelRouter, DockerModel } from "../../docker-model";
import { ruleMatches } from "../../traefik-rules";
import { Rule } from "../../rule";
import { PUBLIC_REASON_LABEL } from "./roles";

/** Paths that may be served without SSO (n8n's public entry points and the SSO callback). */
export const PUBLIC_PATH_ALLOW_LIST = ["/webhook/", "/webhook-waiting/", "/form/", "/form-waiting/", "/mcp/", "/oauth2/"];

/** Requests that only an SSO-protected router may serve: the editor, its REST API, the root. */
const PROTECTED_PROBES = ["/", "/home/workflows", "/rest/login", "/rest/workflows", "/api/v1/workflows", "/signin", "/webhook-test/x", "/x"];

/** True when the router carries a forwardAuth middleware declared anywhere in the stack. */
export function hasSso(model: DockerModel, r: ModelRouter): boolean {
  return r.middlewares.some((m) => model.middlewares.find((x) => x.name === middlewareBaseName(m))?.type === "forwardauth");
}

/** Hosts a rule names with Host(...); a probe host when it names none. */
function hostsOf(r: ModelRouter): string[] {
  const hosts = [...r.rule.matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1]);
  return hosts.length > 0 ? hosts : ["probe.invalid"];
}

export const RoutersWithoutSso: Rule = {
  id: "ZT-EDGE-001",
  level: "error",
  cause: "A router without the SSO middleware serves paths outside the public allow-list",
  explanation: `Every router must carry the forwardAuth (SSO) middleware unless it matches only public paths (${PUBLIC_PATH_ALLOW_LIST.join(", ")}). A container that is public by design (an identity provider) says so with the label ${PUBLIC_REASON_LABEL}=<reason of 10+ characters>, which the review report lists.`,
  evaluate: (ctx) => {
    const model = ctx.docker;
    return model.routers.flatMap((r) => {
      if (hasSso(model, r)) return [];
      const container = model.containers.find((c) => c.name === r.container);
      const reason = container?.labels[PUBLIC_REASON_LABEL] ?? "";
      if (reason.trim().length >= 10) return [];
      if (!r.expr) return [{ resource: container?.address ?? r.name, path: container?.path, detail: `router ${r.name} has a rule that cannot be checked: ${r.parseError}` }];
      const leaks = hostsOf(r).flatMap((host) => PROTECTED_PROBES.filter((p) => ruleMatches(r.expr!, { host, path: p })).map((p) => `${host}${p}`));
      return leaks.length > 0 ? [{ resource: container?.address ?? r.name, path: container?.path, detail: `router ${r.name} (no SSO) serves ${leaks.slice(0, 4).join(", ")}` }] : [];
    });
  },
};
