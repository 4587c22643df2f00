import { RuleExpr, ruleMatches } from "../../traefik-rules";
import { Rule } from "../../rule";
import { containerOf, hasSso, hostsOf, PUBLIC_REASON_LABEL, publicReason, routerFinding } from "./roles";

/** Requests only an SSO-protected router may serve: used to show examples in a finding. */
const PROTECTED_PROBES = ["/", "/home/workflows", "/rest/login", "/rest/workflows", "/api/v1/workflows", "/signin", "/webhook-test/x", "/form-test/x", "/admin"];

/** The literal prefix a regexp anchored with ^ requires, e.g. `^/webhook/[a-z]+` → "/webhook/". */
function regexpPrefix(re: string): string | undefined {
  if (!re.startsWith("^")) return undefined;
  let out = "";
  for (let i = 1; i < re.length; i++) {
    const ch = re[i];
    if (ch === "\\" && i + 1 < re.length && /[/.\-_~]/.test(re[i + 1])) out += re[++i];
    else if (/[A-Za-z0-9/_~-]/.test(ch)) out += ch;
    else {
      // A quantifier makes the previous character optional or repeated: it is not part of the prefix.
      if (/[?*{]/.test(ch)) out = out.slice(0, -1);
      break;
    }
  }
  return out;
}

/**
 * True when every request the rule matches has a path under one of the allowed prefixes: a
 * conjunction needs one such operand, a disjunction needs all of them, a negation never restricts.
 */
export function onlyPublicPaths(expr: RuleExpr, allowed: readonly string[]): boolean {
  const under = (p: string) => allowed.some((a) => p.startsWith(a));
  switch (expr.kind) {
    case "and":
      return onlyPublicPaths(expr.left, allowed) || onlyPublicPaths(expr.right, allowed);
    case "or":
      return onlyPublicPaths(expr.left, allowed) && onlyPublicPaths(expr.right, allowed);
    case "not":
      return false;
    case "matcher":
      if ((expr.name === "Path" || expr.name === "PathPrefix") && expr.args.length > 0) return expr.args.every(under);
      if (expr.name === "PathRegexp" && expr.args.length === 1) {
        const prefix = regexpPrefix(expr.args[0]);
        return prefix !== undefined && under(prefix);
      }
      return false;
  }
}

export const RoutersWithoutSso: Rule = {
  id: "ZT-EDGE-001",
  level: "error",
  appliesTo: "docker_",
  cause: "A router without the SSO middleware serves paths outside the public allow-list",
  explanation:
    "Every router must carry the SSO middleware (a forwardAuth to oauth2-proxy) unless its rule provably matches only public " +
    "paths: n8n's /webhook/, /webhook-waiting/, /form/, /form-waiting/, /mcp/ and oauth2-proxy's /oauth2/ (configurable). The " +
    "check reads the rule's structure, so `Host(x) && PathPrefix(`/webhook`)` fails (it also matches /webhook-test/, which the " +
    "editor uses). An enabled container without router labels gets Traefik's default router, which has no SSO either. A " +
    `container that is public by design (an identity provider) says so with the label ${PUBLIC_REASON_LABEL}=<reason of 10+ ` +
    "characters); its routers are accepted and the review report lists the reason.",
  evaluate: (_stack, ctx) => {
    const model = ctx.docker;
    return model.routers.flatMap((r) => {
      if (hasSso(ctx, model, r)) return [];
      if (r.provider !== "file" && publicReason(containerOf(model, r))) return [];
      const what = r.implicit ? `the default router Traefik creates for ${r.container} (it has traefik.enable=true and no router)` : `router ${r.name}`;
      if (!r.expr) return [routerFinding(model, r, `${what} has no SSO and a rule that cannot be checked: ${r.parseError}`)];
      if (onlyPublicPaths(r.expr, ctx.options.publicPaths)) return [];
      const samples = hostsOf(r).flatMap((host) =>
        PROTECTED_PROBES.filter((path) => {
          try {
            return ruleMatches(r.expr!, { host, path });
          } catch {
            return false;
          }
        }).map((path) => `${host}${path}`),
      );
      const serves = samples.length > 0 ? `serves ${samples.slice(0, 3).join(", ")}` : "matches paths outside the public allow-list";
      return [routerFinding(model, r, `${what} has no SSO middleware and ${serves} (rule: ${r.rule})`)];
    });
  },
};
