import { INSTANCE_LABEL } from "../common/labels";
import { HOSTNAME_PATTERN } from "../common/validation";

/** The label that ties a container to one Traefik instance (the docker provider's constraint). */
export const TRAEFIK_INSTANCE_LABEL = INSTANCE_LABEL;

/** Entry point names of the edge proxy. */
export const ENTRYPOINTS = { web: "web", websecure: "websecure" } as const;

export interface RouterSpec {
  /** Router name (unique per Traefik instance). */
  readonly name: string;
  /** Traefik v3 rule, e.g. Host(`n8n.example.com`). Build it with the helpers below. */
  readonly rule: string;
  /** Explicit priority; higher wins. Set it so that rule length never decides who wins. */
  readonly priority: number;
  /** Middlewares in order (`name@provider`). */
  readonly middlewares: string[];
  /** Service name the router sends to. */
  readonly service: string;
  /** ACME resolver name, when TLS comes from ACME. */
  readonly certResolver?: string;
}

/** Labels for one router on the HTTPS entry point. TLS is always on; there is no plain-HTTP router. */
export function routerLabels(r: RouterSpec): Record<string, string> {
  const p = `traefik.http.routers.${r.name}`;
  const labels: Record<string, string> = {
    [`${p}.rule`]: r.rule,
    [`${p}.entrypoints`]: ENTRYPOINTS.websecure,
    [`${p}.priority`]: String(r.priority),
    [`${p}.tls`]: "true",
    [`${p}.service`]: r.service,
  };
  if (r.middlewares.length > 0) labels[`${p}.middlewares`] = r.middlewares.join(",");
  if (r.certResolver) labels[`${p}.tls.certresolver`] = r.certResolver;
  return labels;
}

/** A middleware declared in container labels, with the reference routers name it by. */
export interface DockerMiddleware {
  /** Middleware name (unique per Traefik instance), e.g. `n8n-sso`. */
  readonly name: string;
  /** What a router's `middlewares` lists: `<name>@docker`. */
  readonly ref: string;
  /** `traefik.http.middlewares.<name>.<type>.<setting>` for each setting, in the order given. */
  readonly labels: Record<string, string>;
}

/**
 * Labels of one middleware of `type` (Traefik's lower-case type key: `forwardauth`, `ratelimit`,
 * `buffering`, ...) together with its `name@docker` reference, so the router that uses it and
 * the labels that declare it cannot name two different middlewares.
 */
export function dockerMiddleware(name: string, type: string, settings: Record<string, string>): DockerMiddleware {
  if (!/^[A-Za-z0-9-]+$/.test(name) || !/^[a-z]+$/.test(type)) throw new Error(`invalid Traefik middleware ${JSON.stringify(name)} of type ${JSON.stringify(type)}`);
  const p = `traefik.http.middlewares.${name}.${type}`;
  return { name, ref: `${name}@docker`, labels: Object.fromEntries(Object.entries(settings).map(([k, v]) => [`${p}.${k}`, v])) };
}

/** The reference of a middleware from Traefik's file provider (the dynamic-config file): `<name>@file`. */
export function fileMiddlewareRef(name: string): string {
  return `${name}@file`;
}

/** Labels that opt a container in to one Traefik instance and pin the network Traefik uses to reach it. */
export function exposeLabels(instance: string, dockerNetwork: string): Record<string, string> {
  return {
    "traefik.enable": "true",
    [TRAEFIK_INSTANCE_LABEL]: instance,
    // With several networks attached, Traefik would otherwise pick one at random.
    "traefik.docker.network": dockerNetwork,
  };
}

/** Labels for a load-balanced service on one port. */
export function serviceLabels(name: string, port: number): Record<string, string> {
  return { [`traefik.http.services.${name}.loadbalancer.server.port`]: String(port) };
}

/** Host(`h`) — the host is validated so it cannot break out of the backticks. */
export function hostRule(host: string): string {
  if (!HOSTNAME_PATTERN.test(host)) throw new Error(`invalid host name for a Traefik rule: ${JSON.stringify(host)}`);
  return `Host(\`${host}\`)`;
}

/** PathPrefix(`/p`) — only `[A-Za-z0-9/_-]` paths are accepted. */
export function pathPrefixRule(prefix: string): string {
  if (!/^\/[A-Za-z0-9/_-]*$/.test(prefix)) throw new Error(`invalid path prefix for a Traefik rule: ${JSON.stringify(prefix)}`);
  return `PathPrefix(\`${prefix}\`)`;
}
