import { Construct } from "constructs";
import type { ContainerLogging, ContainerNetworkAttachment, HostPathMount } from "../common/hardened-container";
import { POSTGRES_TLS_SECRET, RECOVERY_API_KEY_SECRET, RUNTIME_SECRETS, RuntimeSecretSpec, secretFilesOf, VALKEY_SECRET } from "../common/secret-catalog";
import { NETWORK_ROLES } from "../common/labels";
import { QUEUE_SECRET_FILES, SECRET_FILES, TLS_FILES } from "../common/secret-files";
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, Validator } from "../common/validation";
import type { Traefik } from "../edge/traefik";
import type { NetworkRole, SegmentedNetworks } from "../network/segmented-networks";
import type { ContainerLimits } from "./n8n-runtime";

/**
 * What a service's construct gets when `N8nRuntime` builds it from its catalog entry (`build`):
 * everything it needs is derived from the entry and the runtime's props.
 */
export interface RuntimeServiceContext {
  /** The service's catalog entry. */
  readonly spec: RuntimeServiceSpec;
  /** Its container name, `<prefix>-<nameSuffix>`. */
  readonly name: string;
  /** The runtime's prefix (of every Docker name). */
  readonly prefix: string;
  /** The runtime's networks. */
  readonly networks: SegmentedNetworks;
  /** The entry's networks, in its order, ready for `HardenedContainerProps.networks`. */
  readonly networkAttachments: ContainerNetworkAttachment[];
  /** The edge proxy (for a service that is routed). */
  readonly traefik: Traefik;
  /** Host folder with the secret files. */
  readonly secretsDir: string;
  /** uid/gid the service runs as; it owns the secret files. */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** Read-only mounts of the entry's `secretFiles`, each at `/run/secrets/<file>`. */
  readonly secretMounts: HostPathMount[];
  /** Its limits from the runtime's `limits[id]`. @default - the construct's own */
  readonly limits?: ContainerLimits;
  /** Its log driver from the runtime's `logging[id]` (prod: awslogs into its log group). @default - json-file */
  readonly logging?: ContainerLogging;
}

/**
 * One runtime service: the single place its name, secrets, logs, rotation restarts and networks
 * are written down. `N8nRuntime` (container names), `prod-runtime` (awslogs group and stream),
 * `prod-cloud` (log groups, the host's log permissions, the agent's restart lists) and `stacks/prod.ts`
 * (the backup's Postgres container) derive from it.
 */
export interface RuntimeServiceSpec {
  /** Key of the service in the catalog and in `N8nRuntimeProps.limits` / `.logging` (camelCase). */
  readonly id: string;
  /** Its container name is `<prefix>-<nameSuffix>` (also its DNS name on its networks). */
  readonly nameSuffix: string;
  /**
   * Key of its CloudWatch log group (`/<aws prefix>/<logKey>`) and awslogs stream
   * (`<prefix>-<logKey>`) in prod. @default - none: the service does not run in prod
   */
  readonly logKey?: string;
  /** Files of the secrets folder it may mount (some only in one mode, e.g. dev's local TLS). */
  readonly secretFiles: readonly string[];
  /**
   * Secrets (ids in the catalog's `secrets`) whose new version restarts it: the ones it reads at
   * run time and that rotate. A secret read only by a first-start script restarts nothing.
   */
  readonly restartOn: readonly string[];
  /** The networks it joins (see `SegmentedNetworks`). */
  readonly networks: readonly NetworkRole[];
  /**
   * For one of several instances of a kind (queue-mode worker 2): the kind's id, whose
   * `limits` it takes when the runtime's props name none for the instance itself.
   * @default - a service of its own
   */
  readonly instanceOf?: string;
  /** Services it starts after; a rotation that restarts both restarts these first. @default - none */
  readonly dependsOn?: readonly string[];
  /**
   * Builds the service's construct inside `N8nRuntime` (after the built-in services). The built-in
   * entries leave it unset: `N8nRuntime` wires them to each other by hand (n8n needs Postgres'
   * host and the SSO middleware). @default - built by `N8nRuntime` itself
   */
  readonly build?: (scope: Construct, id: string, ctx: RuntimeServiceContext) => Construct;
}

/** The runtime's services and secrets: what `N8nRuntime` and the prod stacks iterate. */
export interface RuntimeCatalog {
  /** In this order: log groups, the host's log permissions, restarts among equals. */
  readonly services: readonly RuntimeServiceSpec[];
  /** In this order: Secrets Manager secrets, the host agent's list. */
  readonly secrets: readonly RuntimeSecretSpec[];
}

/** Files a service may read that no Secrets Manager secret carries: the dev generator writes them. */
export const DEV_ONLY_SECRET_FILES: readonly string[] = [SECRET_FILES.devIdpConfig];

/** The built-in services, by id. */
export const RUNTIME_SERVICES = {
  traefik: {
    id: "traefik",
    nameSuffix: "traefik",
    logKey: "traefik",
    // Only with dev's local TLS; with ACME it reads no secret file.
    secretFiles: [TLS_FILES.cert, TLS_FILES.key],
    restartOn: [],
    networks: ["edge", "socket", "app"],
  },
  oauth2Proxy: {
    id: "oauth2Proxy",
    nameSuffix: "oauth2-proxy",
    logKey: "oauth2-proxy",
    // The CA only in dev (it trusts the dev IdP's certificate).
    secretFiles: [SECRET_FILES.oauth2ProxyClientSecret, SECRET_FILES.oauth2ProxyCookieSecret, TLS_FILES.caCert],
    restartOn: [SECRET_FILES.oauth2ProxyCookieSecret, SECRET_FILES.oauth2ProxyClientSecret],
    networks: ["edge"],
  },
  n8n: {
    id: "n8n",
    nameSuffix: "main",
    logKey: "n8n",
    secretFiles: [SECRET_FILES.n8nDbPassword, SECRET_FILES.n8nDbUser, SECRET_FILES.n8nEncryptionKey, SECRET_FILES.n8nRunnersAuthToken, TLS_FILES.caCert],
    // Not the encryption key: it never rotates.
    restartOn: [POSTGRES_TLS_SECRET, SECRET_FILES.n8nDbPassword, SECRET_FILES.n8nRunnersAuthToken],
    networks: ["app", "data", "egress"],
    dependsOn: ["postgres"],
  },
  n8nRunners: {
    id: "n8nRunners",
    nameSuffix: "runners",
    logKey: "n8n-runners",
    secretFiles: [SECRET_FILES.n8nRunnersAuthToken],
    restartOn: [SECRET_FILES.n8nRunnersAuthToken],
    networks: ["app"],
    dependsOn: ["n8n"],
  },
  postgres: {
    id: "postgres",
    nameSuffix: "postgres",
    logKey: "postgres",
    secretFiles: [
      SECRET_FILES.postgresSuperuserPassword,
      SECRET_FILES.n8nDbPassword,
      SECRET_FILES.postgresReportingPassword,
      SECRET_FILES.postgresAgentPassword,
      SECRET_FILES.postgresRotatorPassword,
      TLS_FILES.cert,
      TLS_FILES.key,
    ],
    // The passwords are read only by its first-start scripts: a new version restarts nothing.
    restartOn: [POSTGRES_TLS_SECRET],
    networks: ["data"],
  },
  socketProxy: {
    id: "socketProxy",
    nameSuffix: "socket-proxy",
    logKey: "socket-proxy",
    secretFiles: [],
    restartOn: [],
    networks: ["socket"],
  },
  devIdp: {
    id: "devIdp",
    nameSuffix: "idp",
    // dev only (N8nRuntimeProps.devIdp): no log group in prod.
    secretFiles: [SECRET_FILES.devIdpConfig],
    restartOn: [],
    networks: ["edge"],
  },
} as const satisfies Record<string, RuntimeServiceSpec>;

/** Ids of the built-in services that take `limits` and `logging` from the runtime's props. */
export type RuntimeService = Exclude<keyof typeof RUNTIME_SERVICES, "devIdp">;

/** The runtime as it ships: its services and secrets. Extend it with `extendCatalog`. */
export const RUNTIME_CATALOG: RuntimeCatalog = { services: Object.values(RUNTIME_SERVICES), secrets: RUNTIME_SECRETS };

/** A service's container name: `<prefix>-<nameSuffix>`. */
export function serviceContainerName(spec: Pick<RuntimeServiceSpec, "nameSuffix">, prefix: string): string {
  return `${prefix}-${spec.nameSuffix}`;
}

/** Container names by service id. */
export function containerNames(catalog: RuntimeCatalog, prefix: string): Record<string, string> {
  return Object.fromEntries(catalog.services.map((s) => [s.id, serviceContainerName(s, prefix)]));
}

/** The services that run in prod and log to CloudWatch, in catalog order. */
export function loggedServices(catalog: RuntimeCatalog): (RuntimeServiceSpec & { readonly logKey: string })[] {
  return catalog.services.filter((s): s is RuntimeServiceSpec & { readonly logKey: string } => s.logKey !== undefined);
}

/**
 * The containers each secret's new version restarts, by secret id (every secret listed, most
 * with none). A service restarts after the services it depends on (Postgres before n8n on a new
 * certificate), otherwise in catalog order.
 */
export function restartsOnRotation(catalog: RuntimeCatalog, prefix: string): Record<string, string[]> {
  const byId = new Map(catalog.services.map((s) => [s.id, s]));
  const ordered: RuntimeServiceSpec[] = [];
  const visit = (s: RuntimeServiceSpec, path: readonly string[]) => {
    if (ordered.includes(s) || path.includes(s.id)) return;
    for (const d of s.dependsOn ?? []) {
      const dep = byId.get(d);
      if (dep) visit(dep, [...path, s.id]);
    }
    ordered.push(s);
  };
  catalog.services.forEach((s) => visit(s, []));
  return Object.fromEntries(catalog.secrets.map((secret) => [secret.id, ordered.filter((s) => s.restartOn.includes(secret.id)).map((s) => serviceContainerName(s, prefix))]));
}

/**
 * Throws one ValidationError naming every problem of the catalog, with the entry it is in
 * (`services.2.secretFiles.0`): ids, container names and log keys unique, every file a service
 * reads written by a secret of the catalog (or the dev generator), `restartOn` naming secrets
 * that rotate and that the service reads, `dependsOn` naming other services.
 */
export function validateCatalog(catalog: RuntimeCatalog): void {
  const v = new Validator("Invalid runtime service catalog");
  const secretIds = new Set<string>();
  const files = new Set<string>(DEV_ONLY_SECRET_FILES);
  catalog.secrets.forEach((s, i) => {
    v.check(!secretIds.has(s.id), `secrets.${i}.id`, `"${s.id}" is listed twice`);
    secretIds.add(s.id);
    for (const f of secretFilesOf(s)) {
      v.check(!files.has(f.name), `secrets.${i}.files`, `"${f.name}" is also written by another secret or the dev generator; each file has one source`);
      files.add(f.name);
    }
  });
  const ids = new Set<string>();
  const names = new Set<string>();
  const logKeys = new Set<string>();
  const roles: readonly NetworkRole[] = NETWORK_ROLES;
  catalog.services.forEach((s, i) => {
    const at = `services.${i}`;
    v.check(/^[a-z][A-Za-z0-9]*$/.test(s.id), `${at}.id`, `must be camelCase letters and digits; got "${s.id}"`);
    v.check(!ids.has(s.id), `${at}.id`, `"${s.id}" is listed twice`);
    ids.add(s.id);
    v.check(RESOURCE_NAME_PATTERN.test(s.nameSuffix), `${at}.nameSuffix`, `${RESOURCE_NAME_RULE}; got "${s.nameSuffix}"`);
    v.check(!names.has(s.nameSuffix), `${at}.nameSuffix`, `"${s.nameSuffix}" is another service's container name`);
    names.add(s.nameSuffix);
    if (s.logKey !== undefined) {
      v.check(RESOURCE_NAME_PATTERN.test(s.logKey), `${at}.logKey`, `${RESOURCE_NAME_RULE}; got "${s.logKey}"`);
      v.check(!logKeys.has(s.logKey), `${at}.logKey`, `"${s.logKey}" is another service's log group`);
      logKeys.add(s.logKey);
    }
    s.secretFiles.forEach((f, j) => v.check(files.has(f), `${at}.secretFiles.${j}`, `"${f}" is written by no secret of the catalog`));
    s.restartOn.forEach((id, j) => {
      const secret = catalog.secrets.find((x) => x.id === id);
      v.check(secret !== undefined, `${at}.restartOn.${j}`, `"${id}" is not a secret of the catalog`);
      if (!secret) return;
      v.check(!secret.neverRotate, `${at}.restartOn.${j}`, `"${id}" never rotates`);
      v.check(secretFilesOf(secret).some((f) => s.secretFiles.includes(f.name)), `${at}.restartOn.${j}`, `the service reads no file of "${id}"`);
    });
    v.check(s.networks.length > 0, `${at}.networks`, "must name at least one network");
    s.networks.forEach((n, j) => v.check(roles.includes(n), `${at}.networks.${j}`, `must be one of ${roles.join(", ")}; got "${n}"`));
  });
  catalog.services.forEach((s, i) =>
    (s.dependsOn ?? []).forEach((d, j) => v.check(ids.has(d) && d !== s.id, `services.${i}.dependsOn.${j}`, `"${d}" is not another service of the catalog`)),
  );
  v.throwIfAny();
}

/**
 * The catalog with more services and secrets appended (queue-mode workers, a tenant's extra
 * service): pass the result as `catalog` to `N8nRuntime`, `DevStack`, `buildProdStacks`.
 * Validated: a name, log group or secret that collides, or a file no secret writes, is refused.
 *
 * @example
 * const catalog = extendCatalog(RUNTIME_CATALOG, {
 *   services: [{ id: "redis", nameSuffix: "redis", logKey: "redis", secretFiles: ["redis-password"],
 *     restartOn: ["redis-password"], networks: ["data"], build: (scope, id, ctx) => new Redis(scope, id, ctx) }],
 *   secrets: [{ id: "redis-password", description: "Redis ACL user's password", dev: { kind: "alnum", length: 32 } }],
 * });
 */
export function extendCatalog(base: RuntimeCatalog, add: { readonly services?: readonly RuntimeServiceSpec[]; readonly secrets?: readonly RuntimeSecretSpec[] }): RuntimeCatalog {
  const catalog = { services: [...base.services, ...(add.services ?? [])], secrets: [...base.secrets, ...(add.secrets ?? [])] };
  validateCatalog(catalog);
  return catalog;
}

/**
 * `count` instances of one kind of service, numbered from 1: ids `<id><i>`, container names
 * `<nameSuffix>-<i>`, log keys `<logKey>-<i>` (each its own log group and stream), each with
 * `instanceOf` set to the kind's id. `dependsOn` may name the instance's siblings of other kinds
 * with `{i}` (a worker's runners depend on `n8nWorker{i}`).
 */
export function serviceInstances(kind: RuntimeServiceSpec, count: number): RuntimeServiceSpec[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return {
      ...kind,
      id: `${kind.id}${i}`,
      nameSuffix: `${kind.nameSuffix}-${i}`,
      ...(kind.logKey !== undefined ? { logKey: `${kind.logKey}-${i}` } : {}),
      instanceOf: kind.id,
      ...(kind.dependsOn ? { dependsOn: kind.dependsOn.map((d) => d.replace("{i}", String(i))) } : {}),
    };
  });
}

/** How many queue-mode processes of each kind the catalog has. */
export interface QueueModeCounts {
  /** `n8n worker` processes (each with its own runners container). */
  readonly workers: number;
  /** `n8n webhook` processes. */
  readonly webhookProcessors: number;
  /** The execution recovery agent (and its API key secret). @default true */
  readonly recovery?: boolean;
}

/** The queue-mode services' kinds (ids of `instanceOf`, keys of `N8nRuntimeProps.limits`). */
export const QUEUE_SERVICES = {
  valkey: {
    id: "valkey",
    nameSuffix: "valkey",
    logKey: "valkey",
    // The ACL file holds only the sha256 of n8n's password; the TLS files are the stack's.
    secretFiles: [QUEUE_SECRET_FILES.valkeyAcl, TLS_FILES.cert, TLS_FILES.key, TLS_FILES.caCert],
    restartOn: [VALKEY_SECRET.id, POSTGRES_TLS_SECRET],
    // Alone with n8n's processes: no database or other data-network client reaches the queue store.
    networks: ["queue"],
  },
  n8nWorker: {
    id: "n8nWorker",
    nameSuffix: "worker",
    logKey: "n8n-worker",
    secretFiles: [...RUNTIME_SERVICES.n8n.secretFiles, QUEUE_SECRET_FILES.valkeyPassword],
    restartOn: [...RUNTIME_SERVICES.n8n.restartOn, VALKEY_SECRET.id],
    // runners: its own task runners reach its broker there (Traefik has no router to a worker,
    // so it needs no app network); queue: Valkey; data: Postgres; egress: it runs the workflows.
    networks: ["runners", "queue", "data", "egress"],
    dependsOn: ["postgres", "valkey"],
  },
  n8nWorkerRunners: {
    id: "n8nWorkerRunners",
    nameSuffix: "worker-runners",
    logKey: "n8n-worker-runners",
    secretFiles: [SECRET_FILES.n8nRunnersAuthToken],
    restartOn: [SECRET_FILES.n8nRunnersAuthToken],
    // User code: only its worker's broker, on the runners network (no Traefik, main or webhook processor).
    networks: ["runners"],
    dependsOn: ["n8nWorker{i}"],
  },
  n8nWebhook: {
    id: "n8nWebhook",
    nameSuffix: "webhook",
    logKey: "n8n-webhook",
    // No runners token: `n8n webhook` starts no task broker.
    secretFiles: [SECRET_FILES.n8nDbPassword, SECRET_FILES.n8nDbUser, SECRET_FILES.n8nEncryptionKey, TLS_FILES.caCert, QUEUE_SECRET_FILES.valkeyPassword],
    restartOn: [POSTGRES_TLS_SECRET, SECRET_FILES.n8nDbPassword, VALKEY_SECRET.id],
    networks: ["app", "queue", "data"],
    dependsOn: ["postgres", "valkey"],
  },
  executionRecovery: {
    id: "executionRecovery",
    nameSuffix: "recovery",
    logKey: "execution-recovery",
    // n8n's database login (it installs its trigger as n8n's owner role), the CA, its API key; no Valkey password.
    secretFiles: [SECRET_FILES.n8nDbPassword, SECRET_FILES.n8nDbUser, TLS_FILES.caCert, QUEUE_SECRET_FILES.recoveryApiKey],
    restartOn: [POSTGRES_TLS_SECRET, SECRET_FILES.n8nDbPassword, RECOVERY_API_KEY_SECRET.id],
    // app: main's public API (the retry); data: Postgres. No egress: it calls nothing else.
    networks: ["app", "data"],
    dependsOn: ["postgres", "n8n"],
  },
} as const satisfies Record<string, RuntimeServiceSpec>;

/** Ids of the queue-mode kinds that take `limits` from the runtime's props. */
export type QueueService = keyof typeof QUEUE_SERVICES;

/**
 * The catalog with queue mode's services and secret appended: Valkey, `workers` workers each with
 * its runners, `webhookProcessors` webhook processes, the execution recovery agent (unless
 * `recovery: false`) with its API key, and Valkey's secret; main's entry also reads
 * (and restarts on) Valkey's password. Log groups, the host
 * agent's secret files and rotation restarts follow from the entries like for any service.
 */
export function queueModeCatalog(base: RuntimeCatalog, counts: QueueModeCounts): RuntimeCatalog {
  // Main enqueues too: it reads Valkey's password, restarts on its rotation, and starts after Valkey.
  const main = (s: RuntimeServiceSpec): RuntimeServiceSpec =>
    s.id !== RUNTIME_SERVICES.n8n.id
      ? s
      : { ...s, secretFiles: [...s.secretFiles, QUEUE_SECRET_FILES.valkeyPassword], restartOn: [...s.restartOn, VALKEY_SECRET.id], networks: [...s.networks, "queue"], dependsOn: [...(s.dependsOn ?? []), QUEUE_SERVICES.valkey.id] };
  return extendCatalog({ services: base.services.map(main), secrets: base.secrets }, {
    services: [
      QUEUE_SERVICES.valkey,
      ...serviceInstances(QUEUE_SERVICES.n8nWorker, counts.workers),
      ...serviceInstances(QUEUE_SERVICES.n8nWorkerRunners, counts.workers),
      ...serviceInstances(QUEUE_SERVICES.n8nWebhook, counts.webhookProcessors),
      ...(counts.recovery === false ? [] : [QUEUE_SERVICES.executionRecovery]),
    ],
    secrets: counts.recovery === false ? [VALKEY_SECRET] : [VALKEY_SECRET, RECOVERY_API_KEY_SECRET],
  });
}

/** The catalog's instances of one kind, in order (`n8nWorker1`, `n8nWorker2`, ...). */
export function instancesOf(catalog: RuntimeCatalog, kind: string): RuntimeServiceSpec[] {
  return catalog.services.filter((s) => s.instanceOf === kind);
}
