import { ipv4CidrProblem } from "../aws/cidr";
import { hostAddress } from "../edge/traefik";
import { PostgresBootstrapProps } from "../data/postgres-bootstrap";

/*
 * Pure helpers of multi-tenant mode (issue 16): how one tenant's names, subnet, secrets folder and
 * Postgres role names derive from the shared config. One source, used by the schema, the stacks,
 * the dev secrets generator and the deploy suite.
 */

/** A tenant id: 1-16 lower-case letters and digits, starting with a letter (a DNS label, a SQL and a Docker name part). */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9]{0,15}$/;
export const TENANT_ID_RULE = "must match ^[a-z][a-z0-9]{0,15}$ (a lower-case letter, then up to 15 lower-case letters or digits), e.g. acme";
/** At most this many tenants per host (each takes one /24-sized block of edge subnets after the shared one). */
export const MAX_TENANTS = 100;

/** Prefix of every Docker name of a tenant: `<name>-<id>` (`n8n-acme-main`, `n8n-acme-app`, ...). */
export function tenantPrefix(name: string, id: string): string {
  return `${name}-${id}`;
}

/** The tenant's own secrets folder, below the shared one (the shared one keeps the CA and Traefik's certificate). */
export function tenantSecretsDir(secretsDir: string, id: string): string {
  return `${secretsDir}/tenants/${id}`;
}

/** The tenant's OIDC client id at the IdP: its own, or `<shared clientId>-<id>`. */
export function tenantClientId(sharedClientId: string, id: string, own?: string): string {
  return own ?? `${sharedClientId}-${id}`;
}

/**
 * The tenant's edge subnet when the config names none: the block of the shared edge subnet's size
 * `index + 1` blocks after it (172.30.0.0/24 → tenant 0: 172.30.1.0/24, tenant 1: 172.30.2.0/24).
 */
export function tenantEdgeSubnet(sharedEdgeSubnet: string, index: number): string {
  const [, bits] = sharedEdgeSubnet.split("/");
  const size = 2 ** (32 - Number(bits));
  return `${hostAddress(sharedEdgeSubnet, size * (index + 1))}/${bits}`;
}

/** Why a derived or configured tenant subnet is unusable, or undefined. */
export function tenantSubnetProblem(cidr: string): string | undefined {
  const p = ipv4CidrProblem(cidr, { minBits: 16, maxBits: 28 });
  if (p) return p;
  const first = Number(cidr.split(".")[0]);
  const second = Number(cidr.split(".")[1]);
  const isPrivate = first === 10 || (first === 172 && second >= 16 && second <= 31) || (first === 192 && second === 168);
  return isPrivate ? undefined : `${cidr} is not a private range (10/8, 172.16/12, 192.168/16); set the tenant's edgeSubnet or a lower network.edgeSubnet`;
}

/**
 * The tenant's Postgres role model: the shared config's names with `_<id>` appended to the
 * database and every role, so no role or database name is shared between tenants (ZT-TEN-002),
 * and its own connection limit.
 */
export function tenantPostgres(pg: PostgresBootstrapProps, id: string, connectionLimit?: number): PostgresBootstrapProps {
  return {
    ...pg,
    database: `${pg.database}_${id}`,
    n8nRole: `${pg.n8nRole}_${id}`,
    reportingRole: `${pg.reportingRole}_${id}`,
    agentRole: `${pg.agentRole}_${id}`,
    ...(pg.rotatorRole === undefined ? {} : { rotatorRole: `${pg.rotatorRole}_${id}` }),
    connectionLimit: connectionLimit ?? pg.connectionLimit,
  };
}

/** Names in `values` that occur more than once. */
export function duplicates<T>(values: readonly T[]): T[] {
  const seen = new Set<T>();
  const dup = new Set<T>();
  for (const v of values) (seen.has(v) ? dup : seen).add(v);
  return [...dup];
}

/*
 * prod (issue 16, item 3): what each tenant owns in AWS and on the prod host. One source for
 * prod-cloud, prod-runtime, the host agent and the review report.
 */

/** Tag on every AWS resource a tenant owns alone (its key, secrets, log groups, alarms, rotation function). */
export { TENANT_TAG } from "../common/labels";

/** The services every tenant has its own of; the others (Traefik, the socket proxy) are the shared edge. */
export const TENANT_SERVICE_IDS: readonly string[] = ["oauth2Proxy", "n8n", "n8nRunners", "postgres"];

/** The tenant's AWS namespace: secrets `<prefix>/<id>/<secret>`, log groups `/<prefix>/<id>/<logKey>`. */
export function tenantAwsPrefix(awsPrefix: string, id: string): string {
  return `${awsPrefix}/${id}`;
}

/** The tenant's AWS name: its key alias `alias/<prefix>-<id>`, rotation function `<prefix>-<id>-rotation`, alarms `<prefix>-<id>-…`. */
export function tenantAwsName(awsPrefix: string, id: string): string {
  return `${awsPrefix}-${id}`;
}

/** The tenant's backups: `s3://<bucket>/backups/<id>/` (the host role may write there for it). */
export function tenantBackupPrefix(id: string): string {
  return `backups/${id}/`;
}

/** The tenant's folder below the secrets folder, as the host agent names its files (`tenants/<id>/<file>`). */
export function tenantSecretsSubdir(id: string): string {
  return `tenants/${id}`;
}

/**
 * The host port the tenant's Postgres is published on (the host's private address only, for the
 * tenant's own rotation function): the base port plus the tenant's position (5432, 5433, ...).
 */
export function tenantPostgresPort(basePort: number, index: number): number {
  return basePort + index;
}

/**
 * At most this many tenants per prod host: the host's user data lists every tenant's secrets and
 * backup (EC2 allows 16 KiB, gzipped and base64-encoded; 16 tenants take about 15.6 KiB), and the
 * host role's one inline policy names every tenant's secrets namespace, key, log namespace and
 * backup prefix (IAM allows 10,240 characters; 16 tenants take about 8,500).
 */
export const MAX_PROD_TENANTS = 16;
