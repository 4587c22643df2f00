/*
 * Label and env names the constructs write and the policy pack reads, with the values they take
 * (one definition for both: a construct that says "socket proxy" and the rule that looks for one
 * cannot drift apart).
 */

/** Prefix of every label this project sets on Docker objects. */
export const LABEL_PREFIX = "org.n8n-zero-trust";

/** Label naming each start-time file of a container and the env var that carries its content. */
export const FILES_LABEL = `${LABEL_PREFIX}.files`;
/** Prefix of the env vars that carry start-time files (`N8NZT_FILE_1`, ...). */
export const FILE_ENV_PREFIX = "N8NZT_FILE_";

/** The label that ties a container to one Traefik instance (the docker provider's constraint). */
export const INSTANCE_LABEL = `${LABEL_PREFIX}.instance`;

/** Label that declares what a container is for; the policy pack infers it for other stacks. */
export const ROLE_LABEL = `${LABEL_PREFIX}.role`;
/** The roles a container can declare. */
export const CONTAINER_ROLES = { edgeProxy: "edge-proxy", socketProxy: "socket-proxy", database: "database", executionRecovery: "execution-recovery" } as const;
export type ContainerRole = (typeof CONTAINER_ROLES)[keyof typeof CONTAINER_ROLES];

/** The labels that declare a container's role. */
export function roleLabels(role: ContainerRole): Record<string, string> {
  return { [ROLE_LABEL]: role };
}

/** Label that declares which trust boundary a network is, and whether it is internal. */
export const NETWORK_ROLE_LABEL = `${LABEL_PREFIX}.network-role`;
export const NETWORK_INTERNAL_LABEL = `${LABEL_PREFIX}.internal`;
/**
 * The trust boundaries of the runtime, one Docker network each. `runners` and `queue` exist only in
 * queue mode: the workers' task runners (user code) reach their worker's broker on `runners` and
 * nothing else; Valkey sits alone with n8n's processes on `queue` (no database, no other client).
 */
export const NETWORK_ROLES = ["edge", "socket", "app", "data", "egress", "runners", "queue"] as const;
export type NetworkRole = (typeof NETWORK_ROLES)[number];

/** The labels of a network of `role` (a list, as the docker provider's `docker_network` takes them). */
export function networkRoleLabels(role: NetworkRole, internal: boolean): { label: string; value: string }[] {
  return [
    { label: NETWORK_ROLE_LABEL, value: role },
    { label: NETWORK_INTERNAL_LABEL, value: String(internal) },
  ];
}

/**
 * Label on a container that is public by design (an identity provider): its value is the reason,
 * at least MIN_PUBLIC_REASON_LENGTH characters. ZT-EDGE-001 then accepts the container's routers
 * without SSO, and the review report lists the reason.
 */
export const PUBLIC_REASON_LABEL = `${LABEL_PREFIX}.public-reason`;
export const MIN_PUBLIC_REASON_LENGTH = 10;

/**
 * Label on every container and network of one tenant (issue 16): its tenant id. The policy pack's
 * tenant rules (ZT-TEN-*) read it; the shared edge (Traefik, the socket proxy, the dev IdP) has none.
 */
export const TENANT_LABEL = `${LABEL_PREFIX}.tenant`;
/**
 * Construct context key under which a tenant's subtree carries its id: every HardenedContainer
 * below it labels itself with TENANT_LABEL, so no construct has to pass the id down by hand.
 */
export const TENANT_CONTEXT = "n8n-zero-trust:tenant";
/** AWS tag on every resource a tenant owns alone in prod-cloud (its key, secrets, log groups, alarms, rotation function). */
export const TENANT_TAG = "n8n-zero-trust:tenant";
