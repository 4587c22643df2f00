import { valkeySettings } from "../../component-config";
import { ModelContainer } from "../../docker-model";
import { Rule } from "../../rule";
import { componentRule } from "./helpers";

/*
 * Valkey's (and Redis') own settings for n8n's queue mode (issue 14): server arguments and a
 * config file the plan writes. Defaults are Valkey 8.1's: plain TCP on 6379, the `default` user
 * on without a password, no persistence beyond RDB snapshots, `noeviction`.
 */

const YES = new Set(["yes", "true", "1"]);
const get = (c: ModelContainer, k: string) => valkeySettings(c).settings.get(k);

export const ValkeyAcl = componentRule({
  id: "ZT-VK-001",
  level: "error",
  component: "valkey",
  cause: "Valkey admits clients as the default user: no ACL file, or protected mode off",
  explanation:
    "Without an ACL file (`aclfile`) Valkey's `default` user is on, with every command and key, and without a password unless " +
    "`requirepass` (which puts it in the command line or config). Anyone on its network can then read and forge queue jobs, " +
    "which n8n executes with its credentials. Give each client its own ACL user in an ACL file mounted read-only from the " +
    "secrets folder, with `user default off` in it, and keep protected mode on.",
  settings: [
    ["aclfile", "a file of the secrets folder (`user default off`, one user per client, passwords as #sha256)"],
    ["protected-mode", "yes (the default)"],
  ],
  check: (c) => [
    get(c, "aclfile") === undefined && "no aclfile: the default user is on with every command and key",
    get(c, "protected-mode") !== undefined && !YES.has((get(c, "protected-mode") ?? "").toLowerCase()) && `protected-mode ${get(c, "protected-mode")}`,
  ],
});

export const ValkeyPlainConnections = componentRule({
  id: "ZT-VK-002",
  level: "error",
  component: "valkey",
  cause: "Valkey accepts connections without TLS",
  explanation:
    "The queue carries every execution's input data, and the ACL password travels in the AUTH command: over plain TCP anyone who " +
    "can intercept on the data network reads both. Turn the plain port off (`port 0`) and serve only `tls-port` with the stack's " +
    "certificate; n8n verifies it (QUEUE_BULL_REDIS_TLS with the CA in NODE_EXTRA_CA_CERTS).",
  settings: [
    ["port", "0 (the default 6379 is plain TCP)"],
    ["tls-port, tls-cert-file, tls-key-file", "set"],
    ["tls-protocols", "TLSv1.2 and/or TLSv1.3 only"],
  ],
  check: (c) => {
    const port = get(c, "port");
    const protocols = get(c, "tls-protocols");
    return [
      port !== "0" && `port ${port ?? "unset (6379, plain TCP)"}`,
      (get(c, "tls-port") === undefined || get(c, "tls-port") === "0") && "no tls-port",
      get(c, "tls-port") !== undefined && (get(c, "tls-cert-file") === undefined || get(c, "tls-key-file") === undefined) && "tls-port without tls-cert-file and tls-key-file",
      protocols !== undefined && /TLSv1(\.[01])?(\s|$)/i.test(protocols) && `tls-protocols ${protocols}`,
    ];
  },
});

export const ValkeyEviction = componentRule({
  id: "ZT-VK-003",
  level: "error",
  component: "valkey",
  cause: "Valkey may evict keys under memory pressure, which silently drops queued executions",
  explanation:
    "Bull keeps each job, its lock and the queue's lists as ordinary keys. Any eviction policy but `noeviction` lets Valkey delete " +
    "them when `maxmemory` is reached: executions vanish without an error. BullMQ's production guide calls noeviction the only " +
    "setting that guarantees correct queues; with it, a full Valkey refuses writes and n8n reports the failure.",
  settings: [["maxmemory-policy", "noeviction (the default)"]],
  check: (c) => {
    const p = get(c, "maxmemory-policy");
    return p !== undefined && p.toLowerCase() !== "noeviction" && `maxmemory-policy ${p}`;
  },
});

export const ValkeyPersistence = componentRule({
  id: "ZT-VK-004",
  level: "warning",
  component: "valkey",
  cause: "Valkey keeps the queue without an append-only file, so a restart loses queued executions",
  explanation:
    "Without `appendonly yes` only periodic RDB snapshots (if any) survive a restart: jobs queued since the last one are lost and " +
    "their executions stay `new` until n8n's queue recovery marks them crashed. BullMQ advises AOF with `appendfsync everysec` " +
    "(at most one second of writes lost); `appendfsync no` leaves it to the kernel.",
  settings: [
    ["appendonly", "yes (the default is no)"],
    ["appendfsync", "everysec (the default) or always"],
  ],
  check: (c) => [
    !YES.has((get(c, "appendonly") ?? "no").toLowerCase()) && `appendonly ${get(c, "appendonly") ?? "unset (no)"}`,
    (get(c, "appendfsync") ?? "").toLowerCase() === "no" && "appendfsync no",
  ],
});

/** Environment variables common Valkey and Redis images turn into a password. */
const PASSWORD_ENV = /^(REDIS_PASSWORD|VALKEY_PASSWORD|REDISCLI_AUTH|VALKEYCLI_AUTH|REDIS_ARGS|VALKEY_EXTRA_FLAGS)$/;

export const ValkeyPasswordInConfig = componentRule({
  id: "ZT-VK-005",
  level: "error",
  component: "valkey",
  cause: "A Valkey password is in the server's arguments, its config file or its environment",
  explanation:
    "`requirepass`, `masterauth` and `user ... >password` put a clear password where `docker inspect`, `ps`, the plan and the " +
    "state show it, and so do the REDIS_PASSWORD-style variables of common images. Keep passwords only as `#<sha256>` in the ACL " +
    "file of the secrets folder; clients read the clear password from their own secret file (QUEUE_BULL_REDIS_PASSWORD_FILE).",
  settings: [
    ["requirepass, masterauth", "unset"],
    ["user directives (arguments or config file)", "none: users live in the aclfile"],
    ["REDIS_PASSWORD, VALKEY_PASSWORD, REDISCLI_AUTH, REDIS_ARGS, VALKEY_EXTRA_FLAGS", "unset"],
  ],
  check: (c) => {
    const { settings, users } = valkeySettings(c);
    return [
      ...["requirepass", "masterauth"].map((k) => settings.has(k) && settings.get(k) !== "" && `${k} is set`),
      users.some((u) => /(^|\s)[>#]/.test(u)) && "a user directive with a password",
      ...Object.keys(c.env).filter((k) => PASSWORD_ENV.test(k) && c.env[k] !== "").map((k) => `${k} in the environment`),
    ];
  },
});

export const VALKEY_RULES: readonly Rule[] = [ValkeyAcl, ValkeyPlainConnections, ValkeyEviction, ValkeyPersistence, ValkeyPasswordInConfig];
