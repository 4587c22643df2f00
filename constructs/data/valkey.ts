import { Construct } from "constructs";
import { ContainerLogging, HardenedContainer } from "../common/hardened-container";
import { QUEUE_SECRET_FILES, SECRETS_MOUNT_DIR, TLS_FILES } from "../common/secret-files";
import { boundMessage, inBound, MEMORY_MB } from "../common/bounds";
import { RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, Validator } from "../common/validation";
import { SegmentedNetworks } from "../network/segmented-networks";

export { renderValkeyAcl, VALKEY_HEALTH_USER, VALKEY_N8N_USER } from "../common/valkey-acl";
import { VALKEY_HEALTH_USER } from "../common/valkey-acl";

/** Valkey's TLS port (plain TCP is off: `--port 0`). */
export const VALKEY_TLS_PORT = 6379;

export interface ValkeyProps {
  /** The runtime's networks; Valkey joins only `queue` (internal; SegmentedNetworks with `queue: true`). */
  readonly networks: SegmentedNetworks;
  /** Container name (also its DNS name, which its certificate must carry). */
  readonly name: string;
  /** Pinned Valkey image (`valkey/valkey:<version>`; Redis ≥ 6 works the same). */
  readonly image: string;
  /** Host folder with the secret files (the ACL file and the stack's TLS files). */
  readonly secretsDir: string;
  /** uid/gid to run as; must own the TLS key and the ACL file (0600). */
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** Memory limit in MiB; `maxmemory` is three quarters of it, so Valkey refuses writes before the kernel kills it. @default 256 */
  readonly memoryMb?: number;
  /** CPU limit. @default "0.5" */
  readonly cpus?: string;
  /** Log driver. @default - json-file with rotation */
  readonly logging?: ContainerLogging;
}

/** Valkey's server arguments: TLS only, ACL file, no eviction, AOF every second. No secret in them. */
export function valkeyServerArgs(maxmemoryMb: number): string[] {
  const secret = (f: string) => `${SECRETS_MOUNT_DIR}/${f}`;
  return [
    "valkey-server",
    "--bind", "0.0.0.0",
    "--protected-mode", "yes",
    "--port", "0",
    "--tls-port", String(VALKEY_TLS_PORT),
    "--tls-cert-file", secret(TLS_FILES.cert),
    "--tls-key-file", secret(TLS_FILES.key),
    "--tls-ca-cert-file", secret(TLS_FILES.caCert),
    // n8n (ioredis) cannot present a client certificate; clients authenticate with the ACL instead.
    "--tls-auth-clients", "no",
    "--tls-protocols", "TLSv1.2 TLSv1.3",
    "--aclfile", secret(QUEUE_SECRET_FILES.valkeyAcl),
    // Bull's queue keys must never be evicted (BullMQ "going to production": the only safe setting).
    "--maxmemory", `${maxmemoryMb}mb`,
    "--maxmemory-policy", "noeviction",
    "--appendonly", "yes",
    "--appendfsync", "everysec",
    "--dir", "/data",
    // Logs go to stdout without a config file (Valkey's default); no `--logfile ""`: the docker
    // provider refuses an empty command value (found by the deploy suite's queue.deploy).
    "--daemonize", "no",
  ];
}

/**
 * Valkey for n8n's queue mode, on the internal queue network only (n8n's processes reach it, nothing
 * else: not Postgres or another client of the data network): TLS with the stack's certificate and CA (no plain port), the `default` user off and n8n's
 * own ACL user whose password only n8n sees (Valkey mounts the ACL file with its sha256),
 * `maxmemory-policy noeviction` and AOF persistence (`appendfsync everysec`) on a volume. The
 * healthcheck pings as a user that may do nothing else.
 *
 * @example
 * new Valkey(this, "Valkey", { networks, name: "n8n-valkey", image: "valkey/valkey:8.1.1",
 *   secretsDir: "/run/n8n-secrets", runAs: { uid: 1000, gid: 1000 } });
 */
export class Valkey extends Construct {
  public readonly container: HardenedContainer;
  /** Host name of the server on the data network. */
  public readonly host: string;
  /** Its TLS port. */
  public readonly port: number = VALKEY_TLS_PORT;

  constructor(scope: Construct, id: string, props: ValkeyProps) {
    super(scope, id);
    const memoryMb = props.memoryMb ?? 256;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(RESOURCE_NAME_PATTERN.test(props.name), "name", `${RESOURCE_NAME_RULE}; got "${props.name}"`);
    v.check(props.secretsDir.startsWith("/"), "secretsDir", "must be an absolute host path");
    v.check(props.networks.queue !== undefined, "networks", "must have the queue network (SegmentedNetworks with queue: true): Valkey joins it alone with n8n's processes");
    v.check(inBound(memoryMb, MEMORY_MB) && memoryMb >= 64, "memoryMb", `${boundMessage({ min: 64, max: MEMORY_MB.max }, " (MiB)")}, got ${memoryMb}`);
    v.throwIfAny();
    this.host = props.name;
    const secret = (f: string) => `${SECRETS_MOUNT_DIR}/${f}`;
    const mount = (f: string) => ({ source: `${props.secretsDir}/${f}`, target: secret(f) });
    this.container = new HardenedContainer(this, "Container", {
      name: props.name,
      image: props.image,
      networks: [{ network: props.networks.queue! }],
      memoryMb,
      cpus: props.cpus ?? "0.5",
      user: `${props.runAs.uid}:${props.runAs.gid}`,
      command: valkeyServerArgs(Math.floor(memoryMb * 0.75)),
      readOnlyMounts: [mount(QUEUE_SECRET_FILES.valkeyAcl), mount(TLS_FILES.cert), mount(TLS_FILES.key), mount(TLS_FILES.caCert)],
      volumes: { [`${props.name}-data`]: "/data" },
      tmpfs: { "/tmp": "rw,noexec,nosuid,size=16m" },
      healthcheck: {
        // valkey-cli exits 0 on an error reply too, hence the grep. The health user is `nopass`:
        // any password is accepted, and it may only PING.
        test: ["CMD-SHELL", `valkey-cli --tls --cacert ${secret(TLS_FILES.caCert)} --sni ${props.name} -h 127.0.0.1 -p ${VALKEY_TLS_PORT} --user ${VALKEY_HEALTH_USER} --pass nopass --no-auth-warning ping | grep -q PONG`],
        startPeriod: "20s",
      },
      stopTimeoutSeconds: 30,
      logging: props.logging,
    });
  }
}
