import { componentOf, n8nProcessType } from "../../component-config";
import { Rule } from "../../rule";
import { componentRule, envBool, envValue } from "./helpers";

/*
 * n8n's own security settings (n8n 2.41, @n8n/config 2.39): defaults are upstream's, read from the
 * compiled config classes of the pinned version (`@Env(...)` decorators). n8n's booleans accept
 * true/1 and false/0 in any case; a few variables are read straight from process.env, where only
 * the exact text counts (noted per rule).
 */

/** Node types n8n 2.x excludes by default (NODES_EXCLUDE): they run shell commands or watch host files. */
export const N8N_DEFAULT_EXCLUDED_NODES = ["n8n-nodes-base.executeCommand", "n8n-nodes-base.localFileTrigger"];

/** NODES_EXCLUDE as n8n parses it: a JSON array of strings, and anything else (an empty value too) becomes []. */
export function parseNodesExclude(v: string | undefined): string[] {
  if (v === undefined) return N8N_DEFAULT_EXCLUDED_NODES;
  try {
    const parsed = JSON.parse(v);
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

export const N8nSessionCookie = componentRule({
  id: "ZT-N8N-001",
  level: "error",
  component: "n8n",
  cause: "n8n's session cookie may travel over plain HTTP or to other sites",
  explanation:
    "n8n's `n8n-auth` cookie is the editor session. N8N_SECURE_COOKIE=false drops its Secure flag (a plain-HTTP request " +
    "to the host, e.g. the port-80 redirect, then carries it in clear); N8N_SAMESITE_COOKIE=none sends it with cross-site " +
    "requests (CSRF). Keep the defaults: Secure on, SameSite lax or strict.",
  settings: [
    ["N8N_SECURE_COOKIE", "true (the default)"],
    ["N8N_SAMESITE_COOKIE", "lax (the default) or strict"],
  ],
  check: (c) => [
    envBool(c.env, "N8N_SECURE_COOKIE") === false && "N8N_SECURE_COOKIE=false (the session cookie loses its Secure flag)",
    // A zod enum: only the exact `none` takes effect (anything else keeps lax, with a warning).
    envValue(c.env, "N8N_SAMESITE_COOKIE") === "none" && "N8N_SAMESITE_COOKIE=none (the session cookie goes with cross-site requests)",
  ],
});

export const N8nDevelopmentMode = componentRule({
  id: "ZT-N8N-002",
  level: "error",
  component: "n8n",
  cause: "n8n runs in development or preview mode (reflective CORS with credentials, routes without auth)",
  explanation:
    "n8n treats NODE_ENV unset or `development` as development: it then answers every Origin with " +
    "Access-Control-Allow-Origin and credentials on the editor and REST routes and drops X-Frame-Options. N8N_PREVIEW_MODE=true " +
    "skips authentication on some routes. Set NODE_ENV=production (the official image does; a construct should say so " +
    "explicitly) and never set N8N_PREVIEW_MODE.",
  settings: [
    ["NODE_ENV", "production (set explicitly)"],
    ["N8N_PREVIEW_MODE", "unset"],
  ],
  check: (c) => [
    c.env.NODE_ENV !== undefined && c.env.NODE_ENV !== "production" && `NODE_ENV=${c.env.NODE_ENV || "(empty)"} (development mode: reflective CORS with credentials)`,
    c.env.N8N_PREVIEW_MODE === "true" && "N8N_PREVIEW_MODE=true (some routes skip authentication)",
  ],
});

export const N8nEnvironmentAccess = componentRule({
  id: "ZT-N8N-003",
  level: "error",
  component: "n8n",
  cause: "Workflows may read n8n's environment ($env, process.env)",
  explanation:
    "With N8N_BLOCK_ENV_ACCESS_IN_NODE=false every expression and Code node can read n8n's environment: database settings, " +
    "the paths of secret files, anything a platform team put there. n8n reads the variable itself, and only the exact text " +
    "`false` unblocks; leave it unset or true.",
  settings: [["N8N_BLOCK_ENV_ACCESS_IN_NODE", "true or unset (blocked)"]],
  check: (c) => c.env.N8N_BLOCK_ENV_ACCESS_IN_NODE === "false" && "N8N_BLOCK_ENV_ACCESS_IN_NODE=false (workflows read the environment)",
});

export const N8nFileAccess = componentRule({
  id: "ZT-N8N-004",
  level: "error",
  component: "n8n",
  cause: "Workflows may read or write files outside n8n's files folder (secrets and n8n's own config included)",
  explanation:
    "n8n's file nodes (Read/Write Files, Git, Execute Workflow from a file) are limited to N8N_RESTRICT_FILE_ACCESS_TO " +
    "(default ~/.n8n-files) and kept away from n8n's own folder by N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES. An empty allow-list " +
    "lifts the limit; `/` or a folder holding /run/secrets hands every secret file to any workflow editor; turning the " +
    "block off exposes ~/.n8n/config. Keep one dedicated folder and the block on.",
  settings: [
    ["N8N_RESTRICT_FILE_ACCESS_TO", "one dedicated folder, not /, not a parent of /run/secrets (default ~/.n8n-files)"],
    ["N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES", "true (the default)"],
    ["N8N_BLOCK_FILE_PATTERNS", "unset (the default blocks .git folders)"],
  ],
  check: (c) => {
    const dirs = c.env.N8N_RESTRICT_FILE_ACCESS_TO;
    const list = dirs === undefined ? undefined : dirs.split(";").map((d) => d.trim().replace(/\/+$/, "") || "/");
    return [
      dirs !== undefined && dirs.trim() === "" && "N8N_RESTRICT_FILE_ACCESS_TO is empty (no file-access limit)",
      list?.some((d) => d === "/" || "/run/secrets".startsWith(`${d}/`) || d === "/run/secrets" || d.startsWith("/run/secrets/")) && `N8N_RESTRICT_FILE_ACCESS_TO=${dirs} reaches the secret files`,
      c.env.N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES === "false" && "N8N_BLOCK_FILE_ACCESS_TO_N8N_FILES=false (workflows reach ~/.n8n, its config included)",
      c.env.N8N_BLOCK_FILE_PATTERNS !== undefined && c.env.N8N_BLOCK_FILE_PATTERNS.trim() === "" && "N8N_BLOCK_FILE_PATTERNS is empty (.git folders become readable)",
    ];
  },
});

export const N8nCodeIsolation = componentRule({
  id: "ZT-N8N-005",
  level: "error",
  component: "n8n",
  cause: "User code runs inside n8n's own container, unsandboxed, or as shell commands",
  explanation:
    "Code nodes run in task runners. N8N_RUNNERS_MODE=internal (the default) starts them as child processes of n8n, in the " +
    "container that holds the encryption key and the database login; run them external, in their own container. " +
    "N8N_RUNNERS_INSECURE_MODE=true drops the runner's sandbox. A NODES_EXCLUDE that no longer lists " +
    "n8n-nodes-base.executeCommand (any value that is not a JSON array counts as empty) lets workflows run shell " +
    "commands in n8n's container. N8N_EXPRESSION_ENGINE=legacy evaluates expressions without isolation. A queue-mode " +
    "webhook processor (`n8n webhook`) starts no runner, so its mode is not checked.",
  settings: [
    ["N8N_RUNNERS_MODE", "external (main and workers; `n8n webhook` starts none)"],
    ["N8N_RUNNERS_INSECURE_MODE", "false (the default)"],
    ["NODES_EXCLUDE", 'a JSON array that keeps "n8n-nodes-base.executeCommand" (the default excludes it and localFileTrigger)'],
    ["N8N_EXPRESSION_ENGINE", "vm (the default) or quickjs, not legacy"],
  ],
  check: (c) => {
    const mode = c.env.N8N_RUNNERS_MODE ?? "internal";
    const excluded = parseNodesExclude(c.env.NODES_EXCLUDE);
    // `n8n webhook` (queue mode) starts no task runner whatever the mode: executions run on workers.
    const startsRunners = n8nProcessType(c) !== "webhook";
    return [
      startsRunners && mode !== "external" && `N8N_RUNNERS_MODE=${c.env.N8N_RUNNERS_MODE ?? "unset (internal)"} (Code nodes run inside n8n's container)`,
      envBool(c.env, "N8N_RUNNERS_INSECURE_MODE") === true && "N8N_RUNNERS_INSECURE_MODE=true (no sandbox for user code)",
      !excluded.includes("n8n-nodes-base.executeCommand") && `NODES_EXCLUDE=${c.env.NODES_EXCLUDE === "" ? "(empty)" : c.env.NODES_EXCLUDE} re-enables the Execute Command node (shell in n8n's container)`,
      envValue(c.env, "N8N_EXPRESSION_ENGINE") === "legacy" && "N8N_EXPRESSION_ENGINE=legacy (expressions without isolation)",
    ];
  },
});

export const N8nHtmlSandbox = componentRule({
  id: "ZT-N8N-006",
  level: "error",
  component: "n8n",
  cause: "HTML from webhooks or forms is served without n8n's sandbox, on the editor's origin",
  explanation:
    "n8n wraps HTML that workflows return (webhook responses, Form nodes) in a CSP sandbox, because it is served from the " +
    "same origin as the editor and its session. N8N_INSECURE_DISABLE_WEBHOOK_IFRAME_SANDBOX or " +
    "N8N_INSECURE_DISABLE_FORM_HTML_SANDBOX = true turns that off: anyone who can reach a public webhook URL can then run " +
    "script as the signed-in editor (stored XSS). Leave both false.",
  settings: [
    ["N8N_INSECURE_DISABLE_WEBHOOK_IFRAME_SANDBOX", "false (the default)"],
    ["N8N_INSECURE_DISABLE_FORM_HTML_SANDBOX", "false (the default)"],
  ],
  check: (c) => ["N8N_INSECURE_DISABLE_WEBHOOK_IFRAME_SANDBOX", "N8N_INSECURE_DISABLE_FORM_HTML_SANDBOX"].map((k) => envBool(c.env, k) === true && `${k}=true (workflow HTML runs on the editor's origin)`),
});

export const N8nOauthCallbackAuth = componentRule({
  id: "ZT-N8N-007",
  level: "error",
  component: "n8n",
  cause: "n8n's OAuth credential callbacks accept requests without an n8n session",
  explanation:
    "Since n8n 2.0 the OAuth callback endpoints (/rest/oauth2-credential/callback, ...) require the editor's session; " +
    "N8N_SKIP_AUTH_ON_OAUTH_CALLBACK=true restores the old behaviour, in which whoever completes a consent flow can attach " +
    "tokens to a credential. Leave it unset.",
  settings: [["N8N_SKIP_AUTH_ON_OAUTH_CALLBACK", "unset or false"]],
  check: (c) => c.env.N8N_SKIP_AUTH_ON_OAUTH_CALLBACK?.toLowerCase() === "true" && "N8N_SKIP_AUTH_ON_OAUTH_CALLBACK=true",
});

export const N8nDatabaseTls = componentRule({
  id: "ZT-N8N-008",
  level: "error",
  component: "n8n",
  cause: "n8n connects to Postgres without verified TLS, or as the database superuser",
  explanation:
    "n8n's database login carries every workflow and encrypted credential. Without DB_POSTGRESDB_SSL_ENABLED=true (the " +
    "default is off) it goes in clear over the data network; with DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED=false any host " +
    "that answers as the database gets it. Connect with TLS, verify against the CA (DB_POSTGRESDB_SSL_CA_FILE), and log in " +
    "as n8n's own role, never the superuser the Postgres container is initialised with.",
  settings: [
    ["DB_POSTGRESDB_SSL_ENABLED", "true (the default is false; a CA, certificate or key turns TLS on too)"],
    ["DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED", "true (the default)"],
    ["DB_POSTGRESDB_USER", "n8n's own role, not the database container's POSTGRES_USER (postgres)"],
  ],
  check: (c, ctx) => {
    if ((c.env.DB_TYPE ?? "sqlite") !== "postgresdb") return undefined;
    const superusers = new Set(["postgres", ...ctx.docker.containers.filter((x) => componentOf(x) === "postgres").map((x) => x.env.POSTGRES_USER ?? "postgres")]);
    // n8n reads NAME_FILE when NAME is unset: a user from a file is not in the plan (the alternating
    // logins of rotation), so it is not judged here.
    const user = c.env.DB_POSTGRESDB_USER ?? (c.env.DB_POSTGRESDB_USER_FILE ? undefined : "postgres");
    const fromFile = (k: string) => c.env[k] === undefined && c.env[`${k}_FILE`] !== undefined;
    // n8n turns TLS on by itself when a CA, certificate or key is given, or verification is switched off.
    const implicitTls = ["DB_POSTGRESDB_SSL_CA", "DB_POSTGRESDB_SSL_CERT", "DB_POSTGRESDB_SSL_KEY"].some((k) => !!envValue(c.env, k) || !!c.env[`${k}_FILE`]) || envBool(c.env, "DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED") === false;
    return [
      !fromFile("DB_POSTGRESDB_SSL_ENABLED") && !implicitTls && envBool(c.env, "DB_POSTGRESDB_SSL_ENABLED") !== true && `DB_POSTGRESDB_SSL_ENABLED=${c.env.DB_POSTGRESDB_SSL_ENABLED ?? "unset (false)"} (the database login goes in clear)`,
      envBool(c.env, "DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED") === false && "DB_POSTGRESDB_SSL_REJECT_UNAUTHORIZED=false (any server certificate is accepted)",
      user !== undefined && superusers.has(user) && `DB_POSTGRESDB_USER=${user} (${c.env.DB_POSTGRESDB_USER === undefined ? "the default, " : ""}the database superuser)`,
    ];
  },
});

export const N8nCommunityPackages = componentRule({
  id: "ZT-N8N-009",
  level: "warning",
  component: "n8n",
  cause: "n8n lets its owner install community packages (npm code inside n8n's process)",
  explanation:
    "Community nodes are npm packages loaded into the n8n process, with its database login and encryption key; n8n 2.x " +
    "allows installing them from the editor, unverified ones included, by default. Install nodes you need into the image " +
    "instead, and set N8N_COMMUNITY_PACKAGES_ENABLED=false (or list community-packages in N8N_DISABLED_MODULES) and " +
    "N8N_UNVERIFIED_PACKAGES_ENABLED=false.",
  settings: [
    ["N8N_COMMUNITY_PACKAGES_ENABLED", "false (the default is true), or community-packages in N8N_DISABLED_MODULES"],
    ["N8N_UNVERIFIED_PACKAGES_ENABLED", "false (the default is true)"],
  ],
  check: (c) => {
    const disabledModule = (c.env.N8N_DISABLED_MODULES ?? "").split(",").map((x) => x.trim()).includes("community-packages");
    if (disabledModule || envBool(c.env, "N8N_COMMUNITY_PACKAGES_ENABLED") === false) return undefined;
    return [
      `N8N_COMMUNITY_PACKAGES_ENABLED=${c.env.N8N_COMMUNITY_PACKAGES_ENABLED ?? "unset (true)"} (npm packages can be installed into n8n)`,
      envBool(c.env, "N8N_UNVERIFIED_PACKAGES_ENABLED") !== false && `N8N_UNVERIFIED_PACKAGES_ENABLED=${c.env.N8N_UNVERIFIED_PACKAGES_ENABLED ?? "unset (true)"}`,
    ];
  },
});

export const N8nPhoneHome = componentRule({
  id: "ZT-N8N-010",
  level: "warning",
  component: "n8n",
  cause: "n8n sends telemetry or fetches version notices and templates from n8n's servers",
  explanation:
    "By default n8n sends usage telemetry (telemetry.n8n.io, ph.n8n.io), and the editor asks api.n8n.io for new versions " +
    "and for workflow templates — traffic a zero-trust deployment does not need, and a template is third-party workflow " +
    "code. Set N8N_DIAGNOSTICS_ENABLED, N8N_VERSION_NOTIFICATIONS_ENABLED and N8N_TEMPLATES_ENABLED to false.",
  settings: [
    ["N8N_DIAGNOSTICS_ENABLED", "false (the default is true)"],
    ["N8N_VERSION_NOTIFICATIONS_ENABLED", "false (the default is true)"],
    ["N8N_TEMPLATES_ENABLED", "false (the default is true)"],
  ],
  check: (c) =>
    ["N8N_DIAGNOSTICS_ENABLED", "N8N_VERSION_NOTIFICATIONS_ENABLED", "N8N_TEMPLATES_ENABLED"].map((k) => envBool(c.env, k) !== false && `${k}=${c.env[k] ?? "unset (true)"}`),
});

export const N8nMetrics = componentRule({
  id: "ZT-N8N-011",
  level: "warning",
  component: "n8n",
  cause: "n8n serves Prometheus metrics without authentication",
  explanation:
    "N8N_METRICS=true adds GET /metrics on n8n's port with no authentication: workflow names, queue sizes, versions. Only " +
    "a scraper on an internal network should reach it, and no router may (ZT-EDGE-002). Leave it off unless you scrape it.",
  settings: [["N8N_METRICS", "false (the default)"]],
  check: (c) => envBool(c.env, "N8N_METRICS") === true && "N8N_METRICS=true (/metrics without authentication)",
});

export const N8nProxyHops = componentRule({
  id: "ZT-N8N-012",
  level: "warning",
  component: "n8n",
  cause: "n8n's trusted proxy hops do not match the one proxy in front of it",
  explanation:
    "n8n trusts N8N_PROXY_HOPS X-Forwarded-For entries (Express trust proxy). Behind exactly one Traefik it must be 1: " +
    "0 makes every client look like Traefik (login rate limits then lock everyone out together, logs lose the address), " +
    "and 2 or more trusts addresses the client wrote itself.",
  settings: [["N8N_PROXY_HOPS", "1 behind one proxy (the default 0 trusts none)"]],
  check: (c, ctx) => {
    const behindTraefik = ctx.docker.containers.some((x) => componentOf(x) === "traefik");
    if (!behindTraefik) return undefined;
    const hops = Number(c.env.N8N_PROXY_HOPS ?? "0");
    return hops !== 1 && `N8N_PROXY_HOPS=${c.env.N8N_PROXY_HOPS ?? "unset (0)"} behind one proxy${hops > 1 ? " (trusts client-written X-Forwarded-For)" : ""}`;
  },
});

export const N8nLogsAndRetention = componentRule({
  id: "ZT-N8N-013",
  level: "warning",
  component: "n8n",
  cause: "n8n writes workflow data to its logs, or keeps execution data forever",
  explanation:
    "N8N_LOG_LEVEL=debug and CODE_ENABLE_STDOUT=true send request details and Code-node output (payloads, tokens a " +
    "workflow handles) to the container log, which is shipped and kept elsewhere; EXECUTIONS_DATA_PRUNE=false keeps every " +
    "execution's data in the database for good. Use info, leave stdout off, prune.",
  settings: [
    ["N8N_LOG_LEVEL", "info (the default), warn or error"],
    ["CODE_ENABLE_STDOUT", "unset"],
    ["EXECUTIONS_DATA_PRUNE", "true (the default)"],
  ],
  check: (c) => [
    envValue(c.env, "N8N_LOG_LEVEL") === "debug" && "N8N_LOG_LEVEL=debug",
    c.env.CODE_ENABLE_STDOUT === "true" && "CODE_ENABLE_STDOUT=true (Code-node output in the container log)",
    envBool(c.env, "EXECUTIONS_DATA_PRUNE") === false && "EXECUTIONS_DATA_PRUNE=false (execution data kept forever)",
  ],
});

export const N8nSsrfProtection = componentRule({
  id: "ZT-N8N-014",
  level: "warning",
  component: "n8n",
  cause: "n8n's SSRF protection is off: workflows may call private and link-local addresses",
  explanation:
    "A workflow's HTTP Request node can reach whatever n8n's networks reach: the database network, the metadata service " +
    "of a cloud host (169.254.169.254), other services on private addresses. N8N_SSRF_PROTECTION_ENABLED=true (off by " +
    "default) refuses private, loopback and link-local targets unless listed in N8N_SSRF_ALLOWED_IP_RANGES or " +
    "N8N_SSRF_ALLOWED_HOSTNAMES.",
  settings: [["N8N_SSRF_PROTECTION_ENABLED", "true (the default is false); allow exceptions with N8N_SSRF_ALLOWED_*"]],
  check: (c) => envBool(c.env, "N8N_SSRF_PROTECTION_ENABLED") !== true && `N8N_SSRF_PROTECTION_ENABLED=${c.env.N8N_SSRF_PROTECTION_ENABLED ?? "unset (false)"}`,
});

const DANGEROUS_BUILTINS = ["child_process", "fs", "fs/promises", "net", "dgram", "cluster", "worker_threads", "vm", "process", "os", "inspector", "module", "v8"];

export const RunnerModules = componentRule({
  id: "ZT-N8N-015",
  level: "error",
  component: "n8n-runners",
  // n8n itself reads them too: internal runners inherit them, and the legacy Function nodes and the
  // LangChain Code node run user code in-process with them.
  alsoOn: ["n8n"],
  cause: "Code nodes may load Node built-ins that reach the host (child_process, fs, net...) or any npm module",
  explanation:
    "The JavaScript runner lets Code nodes `require` only what NODE_FUNCTION_ALLOW_BUILTIN and NODE_FUNCTION_ALLOW_EXTERNAL " +
    "list (nothing by default). `*`, child_process, fs, net, vm or worker_threads give user code a shell, the runner's files " +
    "(its auth token) and raw sockets; N8N_RUNNERS_INSECURE_MODE=true drops the sandbox altogether. Allow named, harmless " +
    "modules (crypto, url) only.",
  settings: [
    ["NODE_FUNCTION_ALLOW_BUILTIN", "empty (the default) or harmless modules: not *, child_process, fs, net, vm, worker_threads"],
    ["NODE_FUNCTION_ALLOW_EXTERNAL", "empty (the default) or named packages, not *"],
    ["N8N_RUNNERS_INSECURE_MODE", "false (the default)"],
  ],
  check: (c) => {
    const builtins = (c.env.NODE_FUNCTION_ALLOW_BUILTIN ?? "").split(",").map((x) => x.trim()).filter(Boolean);
    const bad = builtins.filter((b) => b === "*" || DANGEROUS_BUILTINS.includes(b.replace(/^node:/, "")));
    return [
      bad.length > 0 && `NODE_FUNCTION_ALLOW_BUILTIN allows ${bad.join(", ")}`,
      (c.env.NODE_FUNCTION_ALLOW_EXTERNAL ?? "").split(",").map((x) => x.trim()).includes("*") && "NODE_FUNCTION_ALLOW_EXTERNAL=* (any npm module)",
      envBool(c.env, "N8N_RUNNERS_INSECURE_MODE") === true && "N8N_RUNNERS_INSECURE_MODE=true (no sandbox for user code)",
    ];
  },
});

export const N8nQueueConnection = componentRule({
  id: "ZT-N8N-016",
  level: "error",
  component: "n8n",
  cause: "An n8n process in queue mode reaches Redis/Valkey without verified TLS, or without its own ACL user",
  explanation:
    "In queue mode every execution's data, and the Redis password in the AUTH command, cross the data network between n8n and " +
    "Redis/Valkey. QUEUE_BULL_REDIS_TLS=true encrypts it; QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE=false accepts any " +
    "certificate (n8n gives ioredis no CA option: trust the stack's CA through NODE_EXTRA_CA_CERTS instead). Without " +
    "QUEUE_BULL_REDIS_USERNAME n8n logs in as Redis' `default` user, which should be off.",
  settings: [
    ["QUEUE_BULL_REDIS_TLS (with EXECUTIONS_MODE=queue, or on n8n worker / n8n webhook)", "true"],
    ["QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE", "true (the default)"],
    ["QUEUE_BULL_REDIS_USERNAME", "an ACL user of its own, not default"],
  ],
  check: (c) => {
    const queue = envValue(c.env, "EXECUTIONS_MODE") === "queue" || n8nProcessType(c) !== "main";
    if (!queue) return undefined;
    const user = envValue(c.env, "QUEUE_BULL_REDIS_USERNAME") ?? "";
    return [
      envBool(c.env, "QUEUE_BULL_REDIS_TLS") !== true && `QUEUE_BULL_REDIS_TLS=${c.env.QUEUE_BULL_REDIS_TLS ?? "unset (false)"}`,
      envBool(c.env, "QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE") === false && "QUEUE_BULL_REDIS_TLS_VALIDATE_CERTIFICATE=false (any certificate accepted)",
      (user === "" || user === "default") && `QUEUE_BULL_REDIS_USERNAME=${user === "" ? "unset (the default user)" : "default"}`,
    ];
  },
});

export const N8N_RULES: readonly Rule[] = [
  N8nSessionCookie,
  N8nDevelopmentMode,
  N8nEnvironmentAccess,
  N8nFileAccess,
  N8nCodeIsolation,
  N8nHtmlSandbox,
  N8nOauthCallbackAuth,
  N8nDatabaseTls,
  N8nCommunityPackages,
  N8nPhoneHome,
  N8nMetrics,
  N8nProxyHops,
  N8nLogsAndRetention,
  N8nSsrfProtection,
  RunnerModules,
  N8nQueueConnection,
];
