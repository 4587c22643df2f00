import { Construct } from "constructs";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { isPrivateIpv4 } from "../aws/cidr";
import { isUnresolved, Validator } from "../common/validation";
import { WorkloadNetworks } from "../network/segmented-networks";
import { addSuppression } from "../policy/aspect";
import { PostgresBootstrap, PostgresBootstrapProps, renderPostgresBootstrap } from "./postgres-bootstrap";
import { CONTAINER_LIMITS } from "../common/defaults";

export interface PostgresProps {
  /** The runtime's networks; Postgres joins only `data` (internal). */
  readonly networks: WorkloadNetworks;
  /** Pinned Postgres image, major 15 or later. */
  readonly image: string;
  /** Role model and names (validated and quoted by the bootstrap). */
  readonly bootstrap: PostgresBootstrapProps;
  /** Host folder with the secret files (passwords, TLS key). */
  readonly secretsDir: string;
  /** uid/gid to run as; must own the TLS key (Postgres refuses a key readable by others). */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** Container name. @default `<networks.prefix>-postgres` */
  readonly name?: string;
  /** Memory limit in MiB. @default 1024 */
  readonly memoryMb?: number;
  /** CPU limit. @default "1" */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
  /**
   * Publish Postgres on one private host address, for a client outside Docker (the rotation
   * Lambda in the VPC). The host's security group must admit only that client; the policy
   * finding this creates (ZT-NET-001) is suppressed with that reason. @default - not published
   */
  readonly privateHostBinding?: { readonly ip: string; readonly port?: number; readonly reason: string };
}

const BOOTSTRAP_DIR = "/etc/n8n-bootstrap";
/** PGDATA below the image's 1777 volume root, so a non-root uid can initialise it. */
const PGDATA = "/var/lib/postgresql/data/pgdata";

/**
 * Postgres on the internal data network only, with the least-privilege role model applied on
 * first start (see `renderPostgresBootstrap`): TLS on, SCRAM-SHA-256 only, `pg_hba` rejecting
 * everything not explicitly allowed, connection logging on. Passwords come from the secrets
 * folder as files; the bootstrap SQL, hba file and init script are uploaded verbatim, so what
 * the container runs is exactly what `npm run db:bootstrap:print` shows a DBA.
 */
export class Postgres extends Construct {
  public readonly container: HardenedContainer;
  /** Host name of the server on the data network. */
  public readonly host: string;
  /** The rendered bootstrap the container runs. */
  public readonly bootstrap: PostgresBootstrap;

  constructor(scope: Construct, id: string, props: PostgresProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(props.secretsDir.startsWith("/"), "secretsDir", "must be an absolute host path");
    if (props.privateHostBinding) {
      const ip = props.privateHostBinding.ip;
      v.check(isUnresolved(ip) || isPrivateIpv4(ip), "privateHostBinding.ip", `must be a private IPv4 address (10/8, 172.16/12, 192.168/16), never 0.0.0.0; got "${ip}"`);
    }
    v.throwIfAny();
    this.bootstrap = renderPostgresBootstrap(props.bootstrap);
    this.host = props.name ?? `${props.networks.prefix}-postgres`;
    const secret = (file: string) => `${SECRETS_MOUNT_DIR}/${file}`;
    const mount = (file: string) => ({ source: `${props.secretsDir}/${file}`, target: secret(file) });

    this.container = new HardenedContainer(this, "Container", {
      name: this.host,
      image: props.image,
      networks: [{ network: props.networks.data }],
      memoryMb: props.memoryMb ?? CONTAINER_LIMITS.postgres.memoryMb,
      cpus: props.cpus ?? CONTAINER_LIMITS.postgres.cpus,
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      // The official image's entrypoint (initdb, *_FILE variables, init scripts, nss_wrapper).
      imageEntrypoint: ["docker-entrypoint.sh"],
      command: ["postgres", ...this.bootstrap.serverArgs],
      env: {
        POSTGRES_USER: "postgres",
        POSTGRES_DB: "postgres",
        POSTGRES_PASSWORD_FILE: secret(SECRET_FILES.postgresSuperuserPassword),
        POSTGRES_INITDB_ARGS: "--auth-local=scram-sha-256 --auth-host=scram-sha-256",
        PGDATA,
      },
      uploads: [
        { file: `${BOOTSTRAP_DIR}/bootstrap.sql`, content: this.bootstrap.sql },
        { file: `${BOOTSTRAP_DIR}/pg_hba.conf`, content: this.bootstrap.hba },
        // Sourced by the entrypoint (see renderPostgresBootstrap), so not executable.
        { file: "/docker-entrypoint-initdb.d/10-n8n-bootstrap.sh", content: this.bootstrap.initScript },
      ],
      readOnlyMounts: [
        mount(SECRET_FILES.postgresSuperuserPassword),
        mount(SECRET_FILES.n8nDbPassword),
        mount(SECRET_FILES.postgresReportingPassword),
        mount(SECRET_FILES.postgresAgentPassword),
        ...(this.bootstrap.roles.rotator ? [mount(SECRET_FILES.postgresRotatorPassword)] : []),
        mount(TLS_FILES.cert),
        mount(TLS_FILES.key),
      ],
      volumes: { [`${this.host}-data`]: "/var/lib/postgresql/data" },
      tmpfs: { "/var/run/postgresql": "rw,noexec,nosuid,size=8m", "/tmp": "rw,noexec,nosuid,size=64m" },
      healthcheck: { test: ["CMD-SHELL", "pg_isready -h /var/run/postgresql -U postgres -d postgres || exit 1"], startPeriod: "60s" },
      stopTimeoutSeconds: 60,
      logging: props.logging,
      publishedPorts: props.privateHostBinding ? [{ internal: 5432, external: props.privateHostBinding.port ?? 5432, ip: props.privateHostBinding.ip }] : undefined,
    });
    if (props.privateHostBinding) addSuppression(this.container.container, "ZT-NET-001", props.privateHostBinding.reason);
  }
}
