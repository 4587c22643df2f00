import { Construct } from "constructs";
import { ContainerLogging, ContainerNetworkAttachment, HardenedContainer } from "../common/hardened-container";
import { CONTAINER_ROLES, roleLabels } from "../common/labels";
import { boundMessage, inBound, MEMORY_MB, RECOVERY_POLL_SECONDS } from "../common/bounds";
import { QUEUE_SECRET_FILES, SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, SQL_IDENTIFIER_PATTERN, Validator } from "../common/validation";
import { quoteIdent } from "../data/postgres-bootstrap";
import { renderExecutionRecoverySql } from "../data/execution-recovery-sql";
import { renderRecoveryAgent } from "./execution-recovery-agent";
import type { N8nDatabase } from "./n8n";

export { renderExecutionRecoverySql, STALLED_EXECUTION_MARK, RECOVERY_LOOKBACK_HOURS } from "../data/execution-recovery-sql";


/** Where the n8n image keeps n8n's node_modules (the official image and the deploy suite's). */
export const N8N_IMAGE_NODE_MODULES = "/usr/local/lib/node_modules/n8n/node_modules";

const AGENT_DIR = "/etc/n8n-recovery";
const HEARTBEAT_DIR = "/run/n8n-recovery";

export interface ExecutionRecoveryProps {
  /** Container name. */
  readonly name: string;
  /** The n8n image (the agent runs on its Node.js and n8n's own `pg` module). */
  readonly image: string;
  /** Its networks: app (to reach main's public API) and data (Postgres). */
  readonly networks: ContainerNetworkAttachment[];
  /** Host folder with the secret files. */
  readonly secretsDir: string;
  /** uid/gid to run as (owner of the secret files). */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** n8n's database, as n8n's processes use it (its login role: the agent installs its trigger as n8n's owner role). */
  readonly database: N8nDatabase;
  /** Base URL of main's public API on the app network, e.g. `http://n8n-main:5678/api/v1`. */
  readonly n8nApiUrl: string;
  /** Schema of the kept inputs and the recovery functions. @default `<schema>_recovery` */
  readonly recoverySchema?: string;
  /** Retries of one stalled execution, at most (1 to 10). @default 3 */
  readonly maxAttempts?: number;
  /** Seconds between polls (2 to 300). @default 10 */
  readonly pollSeconds?: number;
  /** Retries running at once. @default 4 */
  readonly parallel?: number;
  /** Memory limit in MiB. @default 192 */
  readonly memoryMb?: number;
  /** CPU limit. @default "0.25" */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
  /** n8n's node_modules in the image. @default N8N_IMAGE_NODE_MODULES */
  readonly nodeModulesDir?: string;
  /** Containers it starts after (Postgres, main). */
  readonly dependsOn?: HardenedContainer[];
}

/**
 * Recovery of queue-mode executions whose worker died (issue 14). n8n 2.x fails such a job as
 * stalled once its lock expires (Bull's `maxStalledCount` is hard-coded to 0) and overwrites the
 * execution's data — the webhook payload — with the stall error, so nothing re-runs it and its
 * own retry would run nothing. This agent keeps the input (a trigger on `execution_data`,
 * installed by the agent as n8n's own role: see `renderExecutionRecoverySql`), writes it back,
 * and retries the execution through n8n's public API with a key of the `execution:retry` scope
 * only (the file `n8n-recovery-api-key`, which an operator fills: n8n mints API keys itself).
 * At least once: an execution whose worker died after its side effects runs them again.
 *
 * Hardened like every service: no port, read-only root, no capability, its own uid; on the app
 * network (main's API) and the data network (Postgres) only; no Valkey password.
 */
export class ExecutionRecovery extends Construct {
  public readonly container: HardenedContainer;
  /** The SQL the agent runs at each connection (for reviewers: `npm run db:bootstrap:print` shows the rest). */
  public readonly sql: string;

  constructor(scope: Construct, id: string, props: ExecutionRecoveryProps) {
    super(scope, id);
    const maxAttempts = props.maxAttempts ?? 3;
    const pollSeconds = props.pollSeconds ?? 10;
    const parallel = props.parallel ?? 4;
    const memoryMb = props.memoryMb ?? 192;
    const recoverySchema = props.recoverySchema ?? `${props.database.schema}_recovery`;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(RESOURCE_NAME_PATTERN.test(props.name), "name", `${RESOURCE_NAME_RULE}; got "${props.name}"`);
    v.check(props.secretsDir.startsWith("/"), "secretsDir", "must be an absolute host path");
    v.check(/^http:\/\/[a-z][a-z0-9.-]*:[0-9]{1,5}\/api\/v1$/.test(props.n8nApiUrl), "n8nApiUrl", `must be http://<container>:<port>/api/v1 (main's API on the internal app network); got "${props.n8nApiUrl}"`);
    v.check(
      SQL_IDENTIFIER_PATTERN.test(recoverySchema),
      props.recoverySchema === undefined ? "database.schema" : "recoverySchema",
      props.recoverySchema === undefined
        ? `the recovery schema "${recoverySchema}" (database.schema + "_recovery") must match ${SQL_IDENTIFIER_PATTERN}: database.schema may have at most 54 characters here`
        : `must match ${SQL_IDENTIFIER_PATTERN} (a schema of at most 63 characters); got "${recoverySchema}"`,
    );
    v.check(Number.isInteger(pollSeconds) && inBound(pollSeconds, RECOVERY_POLL_SECONDS), "pollSeconds", `${boundMessage(RECOVERY_POLL_SECONDS, " (seconds)")}, got ${pollSeconds}`);
    v.check(Number.isInteger(parallel) && parallel >= 1 && parallel <= 16, "parallel", `must be an integer from 1 to 16, got ${parallel}`);
    v.check(inBound(memoryMb, MEMORY_MB) && memoryMb >= 96, "memoryMb", `${boundMessage({ min: 96, max: MEMORY_MB.max }, " (MiB)")}, got ${memoryMb}`);
    v.throwIfAny();
    // Validates the names and maxAttempts (one error naming each bad field).
    this.sql = renderExecutionRecoverySql({ schema: props.database.schema, recoverySchema, maxAttempts });
    const secret = (f: string) => `${SECRETS_MOUNT_DIR}/${f}`;
    const mount = (f: string) => ({ source: `${props.secretsDir}/${f}`, target: secret(f) });
    const userFromFile = props.database.userFromFile === true;
    const agent = renderRecoveryAgent({
      db: {
        host: props.database.host,
        port: props.database.port ?? 5432,
        database: props.database.database,
        ...(userFromFile ? { userFile: secret(SECRET_FILES.n8nDbUser) } : { user: props.database.user }),
        passwordFile: secret(SECRET_FILES.n8nDbPassword),
        caFile: secret(TLS_FILES.caCert),
      },
      api: { url: props.n8nApiUrl, keyFile: secret(QUEUE_SECRET_FILES.recoveryApiKey), timeoutSeconds: 900 },
      schemaSql: quoteIdent(recoverySchema),
      sqlFile: `${AGENT_DIR}/recovery.sql`,
      heartbeatFile: `${HEARTBEAT_DIR}/heartbeat`,
      pollSeconds,
      parallel,
      maxAttempts,
    });
    const staleAfter = 3 * pollSeconds + 60;
    this.container = new HardenedContainer(this, "Container", {
      name: props.name,
      image: props.image,
      networks: props.networks,
      memoryMb,
      cpus: props.cpus ?? "0.25",
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      imageEntrypoint: ["node"],
      command: [`${AGENT_DIR}/agent.js`],
      env: { NODE_PATH: props.nodeModulesDir ?? N8N_IMAGE_NODE_MODULES, NODE_ENV: "production" },
      // Not n8n: the policy pack's n8n settings rules do not apply to this program.
      labels: roleLabels(CONTAINER_ROLES.executionRecovery),
      uploads: [
        { file: `${AGENT_DIR}/agent.js`, content: agent },
        { file: `${AGENT_DIR}/recovery.sql`, content: this.sql },
      ],
      readOnlyMounts: [
        mount(SECRET_FILES.n8nDbPassword),
        ...(userFromFile ? [mount(SECRET_FILES.n8nDbUser)] : []),
        mount(TLS_FILES.caCert),
        mount(QUEUE_SECRET_FILES.recoveryApiKey),
      ],
      tmpfs: { [HEARTBEAT_DIR]: `rw,noexec,nosuid,nodev,size=1m,mode=0700,uid=${props.runAs.uid},gid=${props.runAs.gid}`, "/tmp": "rw,noexec,nosuid,size=16m" },
      // Healthy while its loop runs: a heartbeat younger than three polls (and a minute).
      healthcheck: {
        test: ["CMD", "node", "-e", `const s=require("fs").statSync(${JSON.stringify(`${HEARTBEAT_DIR}/heartbeat`)});process.exit(Date.now()-s.mtimeMs<${staleAfter * 1000}?0:1)`],
        startPeriod: "60s",
      },
      // Above its own wait for running retries (10 s) plus a query in progress (35 s at most).
      stopTimeoutSeconds: 45,
      logging: props.logging,
      dependsOn: props.dependsOn?.map((c) => c.container),
    });
  }
}
