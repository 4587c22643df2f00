import { isFalseValue, traefikStaticConfig } from "../../docker-model";
import { Rule } from "../../rule";
import { containerFinding } from "./roles";

export const ExposedByDefault: Rule = {
  id: "ZT-EDGE-004",
  level: "error",
  appliesTo: "docker_",
  cause: "The edge proxy's Docker provider exposes every container by default",
  explanation:
    "Traefik's docker provider defaults to exposedByDefault = true: every container it can see gets a router (Host(`<name>`), " +
    "no middleware), so a database or the n8n editor is one Host header away from the internet without SSO. Set " +
    "providers.docker.exposedByDefault = false and opt containers in with traefik.enable=true. Checked when the proxy's static " +
    "configuration is in the plan (command flags, TRAEFIK_* environment or an uploaded config file).",
  evaluate: (_stack, ctx) =>
    ctx.docker.containers.flatMap((c) => {
      const cfg = traefikStaticConfig(c);
      if (!cfg || !Object.keys(cfg.keys).some((k) => k === "providers.docker" || k.startsWith("providers.docker."))) return [];
      const v = cfg.keys["providers.docker.exposedbydefault"];
      return isFalseValue(v) ? [] : [containerFinding(c, `${c.name}: providers.docker.exposedByDefault is ${v ?? "unset (true)"}`)];
    }),
};
