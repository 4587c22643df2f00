import { ModelContainer, ModelNetwork } from "../../docker-model";

/** Labels that declare what a container or network is for (set by this project's constructs). */
export const ROLE_LABEL = "org.n8n-zero-trust.role";
export const NETWORK_ROLE_LABEL = "org.n8n-zero-trust.network-role";
/** A container that is deliberately public (e.g. an IdP): the value is the reason (>= 10 chars). */
export const PUBLIC_REASON_LABEL = "org.n8n-zero-trust.public-reason";

export function isEdgeProxy(c: ModelContainer): boolean {
  return c.labels[ROLE_LABEL] === "edge-proxy" || /(^|\/)traefik:/.test(c.image);
}

export function isSocketProxy(c: ModelContainer): boolean {
  return c.labels[ROLE_LABEL] === "socket-proxy" || /socket-proxy/.test(c.image);
}

/** A network's role from its label, or else from a `-edge`/`-data`/... name suffix. */
export function networkRole(n: ModelNetwork): string | undefined {
  return n.labels[NETWORK_ROLE_LABEL] ?? /-(edge|socket|app|data|egress)$/.exec(n.name)?.[1];
}
