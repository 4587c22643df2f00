import { formatOf, parseConfig, parseFlags } from "./config-files";
import { dynamicConfigKeys, isTraefikContainer, ModelContainer } from "./docker-model";
import { isDatabase, isSocketProxy } from "./rules/docker/roles";
import { CONTAINER_ROLES, ROLE_LABEL } from "../common/labels";

/*
 * What each component on the request path is configured to do, read from wherever the plan puts it:
 * command-line flags, environment, labels, and the files written into the container (uploads and
 * start-time files), parsed with real parsers. A setting the plan does not show (a file bind-mounted
 * from the host, an image default) is `undefined`: rules then use the upstream default of the pinned
 * version where one exists, and say nothing where it does not.
 */

export type Component = "traefik" | "oauth2-proxy" | "socket-proxy" | "dex" | "n8n" | "n8n-runners" | "postgres" | "valkey";

/** Display names for reports and docs/policy.md. */
export const COMPONENT_NAMES: Record<Component, string> = {
  traefik: "Traefik",
  "oauth2-proxy": "oauth2-proxy",
  "socket-proxy": "Docker socket proxy",
  dex: "Dex (dev IdP)",
  n8n: "n8n",
  "n8n-runners": "n8n task runners",
  postgres: "Postgres",
  valkey: "Valkey / Redis (queue mode)",
};

const last = (image: string) => image.split("/").pop() ?? image;

/** Which component a container runs: by its role label, its image name, or its command. */
export function componentOf(c: ModelContainer): Component | undefined {
  // Asked by every component rule for every container: decided once per container.
  if (components.has(c)) return components.get(c);
  const component = decideComponent(c);
  components.set(c, component);
  return component;
}
const components = new WeakMap<ModelContainer, Component | undefined>();

/**
 * The execution recovery agent runs a program of its own on the n8n image (`node <file>.js`), not
 * n8n: n8n's settings rules do not apply to it. The label alone is not believed: a container
 * configured as n8n (its database or encryption key variables) or starting n8n stays n8n.
 */
function runsOwnNodeProgram(c: ModelContainer): boolean {
  const entry = ((c.raw.entrypoint as string[] | undefined) ?? []).join(" ");
  const execsNode = /(^|\s)node(\s|$)/.test(entry) || /exec 'node' "\$@"/.test(entry);
  const configuredAsN8n = ["DB_POSTGRESDB_HOST", "N8N_ENCRYPTION_KEY_FILE", "N8N_ENCRYPTION_KEY", "EXECUTIONS_MODE"].some((k) => k in c.env);
  return execsNode && c.command.length === 1 && /^\/[A-Za-z0-9._/-]+\.js$/.test(c.command[0]) && !configuredAsN8n;
}

function decideComponent(c: ModelContainer): Component | undefined {
  const role = c.labels[ROLE_LABEL];
  if (role === CONTAINER_ROLES.socketProxy || isSocketProxy(c)) return "socket-proxy";
  if (role === CONTAINER_ROLES.edgeProxy ? isTraefikContainer(c) : /(^|\/)traefik(:|@|$)/.test(c.image)) return "traefik";
  const img = c.image.toLowerCase();
  if (/oauth2-proxy/.test(img) || (c.command.some((a) => a.startsWith("--upstream")) && c.command.some((a) => a.startsWith("--cookie-")))) return "oauth2-proxy";
  if (/(^|\/)dex(:|@|$)/.test(img) || (c.command[0] === "dex" && c.command[1] === "serve")) return "dex";
  if (/(^|\/)runners(:|@|$)/.test(img) || "N8N_RUNNERS_TASK_BROKER_URI" in c.env) return "n8n-runners";
  if (role === CONTAINER_ROLES.executionRecovery && runsOwnNodeProgram(c)) return undefined;
  if (/(^|\/)n8n(:|@|$)/.test(img) || "DB_POSTGRESDB_HOST" in c.env || "N8N_ENCRYPTION_KEY_FILE" in c.env) return "n8n";
  if (/^(valkey|redis)(:|@|$)/.test(last(img)) || ["valkey-server", "redis-server"].includes(c.command[0] ?? "")) return "valkey";
  if (isDatabase(c) && (/postgres|postgis|timescale|pgvector/.test(last(img)) || "POSTGRES_PASSWORD_FILE" in c.env || "PGDATA" in c.env)) return "postgres";
  return undefined;
}

/**
 * Which n8n process a container runs, the way n8n decides (its first argument): `worker`,
 * `webhook`, or main for anything else (research memo §1.4). With the official image the
 * container's command is n8n's arguments; `n8n worker` as a command counts the same.
 */
export function n8nProcessType(c: ModelContainer): "main" | "worker" | "webhook" {
  const args = c.command[0] === "n8n" ? c.command.slice(1) : c.command;
  return args[0] === "worker" || args[0] === "webhook" ? args[0] : "main";
}

/** Memoized per container and component: several rules read the same settings. */
const cache = new WeakMap<ModelContainer, Map<string, unknown>>();
function memo<T>(c: ModelContainer, key: string, compute: () => T): T {
  let m = cache.get(c);
  if (!m) cache.set(c, (m = new Map()));
  if (!m.has(key)) m.set(key, compute());
  return m.get(key) as T;
}

/** The text of a file the plan writes into the container, when the plan shows it. */
export function fileContent(c: ModelContainer, file: string): string | undefined {
  return c.uploads.find((u) => u.file === file)?.content;
}

// ---- oauth2-proxy ----------------------------------------------------------------------------

/** oauth2-proxy's boolean flags (v7.15): `--flag` alone means true. */
const OAUTH2_PROXY_BOOLEANS = new Set([
  "cookie-secure", "cookie-httponly", "cookie-csrf-per-request", "reverse-proxy", "skip-auth-preflight", "skip-jwt-bearer-tokens",
  "ssl-insecure-skip-verify", "ssl-upstream-insecure-skip-verify", "insecure-oidc-skip-issuer-verification", "insecure-oidc-allow-unverified-email",
  "insecure-oidc-skip-nonce", "skip-oidc-discovery", "show-debug-on-error", "pass-access-token", "pass-authorization-header", "set-authorization-header",
  "pass-basic-auth", "pass-user-headers", "set-xauthrequest", "skip-provider-button", "request-logging", "auth-logging", "standard-logging",
  "silence-ping-logging", "encode-state", "use-system-trust-store", "force-https", "force-json-errors", "skip-claims-from-profile-url",
  "prefer-email-to-user", "pass-host-header", "skip-auth-strip-headers", "display-htpasswd-form", "gcp-healthchecks", "version",
]);

/**
 * oauth2-proxy's effective settings: its config file (`--config`, TOML, keys with underscores), then
 * `OAUTH2_PROXY_<NAME>` environment, then flags, each later source overriding the earlier, as
 * oauth2-proxy itself does. Keys are flag names (`cookie-secure`); values are lists.
 */
export function oauth2ProxySettings(c: ModelContainer): Map<string, string[]> {
  return memo(c, "oauth2-proxy", () => {
    const flags = parseFlags(c.command, OAUTH2_PROXY_BOOLEANS);
    const out = new Map<string, string[]>();
    const configFile = flags.get("config")?.[0];
    const text = configFile ? fileContent(c, configFile) : undefined;
    if (text !== undefined) {
      // oauth2-proxy reads its --config file as TOML whatever its name says.
      const parsed = parseConfig(text, "toml");
      if (parsed.doc && typeof parsed.doc === "object") {
        for (const [k, v] of Object.entries(parsed.doc as Record<string, unknown>)) {
          if (SINGULAR_LIST_KEYS.has(k.toLowerCase())) continue;
          out.set(configKeyToFlag(k), (Array.isArray(v) ? v : [v]).map((x) => String(x)));
        }
      }
    }
    for (const [k, v] of Object.entries(c.env)) {
      if (!k.startsWith("OAUTH2_PROXY_") || k === "OAUTH2_PROXY_CONFIG" || v === "") continue;
      // The variable is OAUTH2_PROXY_ + the config key (plural for lists): OAUTH2_PROXY_EMAIL_DOMAIN
      // (singular) is ignored by oauth2-proxy, and so here.
      const key = k.slice("OAUTH2_PROXY_".length).toLowerCase();
      if (SINGULAR_LIST_KEYS.has(key)) continue;
      out.set(configKeyToFlag(key), v.split(",").map((x) => x.trim()));
    }
    for (const [k, v] of flags) out.set(k, v);
    return out;
  });
}

/** Config keys (and env names) of list options that differ from their flag: plural (oauth2-proxy v7.15 `cfg` tags). */
const PLURAL_KEYS: Record<string, string> = {
  cookie_domains: "cookie-domain",
  email_domains: "email-domain",
  whitelist_domains: "whitelist-domain",
  upstreams: "upstream",
  skip_auth_routes: "skip-auth-route",
  api_routes: "api-route",
  trusted_proxy_ips: "trusted-proxy-ip",
  trusted_ips: "trusted-ip",
  allowed_groups: "allowed-group",
  provider_ca_files: "provider-ca-file",
  exclude_logging_paths: "exclude-logging-path",
};
/** The singular forms oauth2-proxy does not read from a config file or the environment. */
const SINGULAR_LIST_KEYS = new Set(Object.values(PLURAL_KEYS).map((f) => f.replace(/-/g, "_")));

/** A config key (TOML) or env suffix → the flag it sets (`email_domains` → `email-domain`). */
function configKeyToFlag(key: string): string {
  const k = key.toLowerCase();
  return PLURAL_KEYS[k] ?? k.replace(/_/g, "-");
}

// ---- Traefik dynamic configuration -----------------------------------------------------------

/**
 * Traefik's file-provider configuration: the uploaded files its file provider loads, flattened
 * (lower-cased dotted keys) and merged.
 */
export function traefikDynamicKeys(c: ModelContainer): Record<string, string> {
  return memo(c, "traefik-dynamic", () => {
    const keys: Record<string, string> = {};
    for (const f of dynamicConfigKeys(c)) Object.assign(keys, f.keys);
    return keys;
  });
}

// ---- Postgres --------------------------------------------------------------------------------

/**
 * Postgres server settings: `-c name=value` / `--name=value` on the command line and a
 * postgresql.conf the plan writes (`config_file`), command line last (it wins, as in Postgres).
 * Names lower-cased; values unquoted.
 */
export function postgresSettings(c: ModelContainer): Map<string, string> {
  return memo(c, "postgres", () => {
    const out = new Map<string, string>();
    const cli = new Map<string, string>();
    const args = c.command[0] === "postgres" ? c.command.slice(1) : c.command;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      const pair = a === "-c" ? args[++i] : a.startsWith("-c") ? a.slice(2) : a.startsWith("--") ? a.slice(2) : undefined;
      if (!pair) continue;
      const eq = pair.indexOf("=");
      if (eq > 0) cli.set(pair.slice(0, eq).trim().toLowerCase().replace(/-/g, "_"), pair.slice(eq + 1).trim());
    }
    const confFile = cli.get("config_file");
    const conf = confFile ? fileContent(c, confFile) : undefined;
    if (conf !== undefined) for (const [k, v] of parsePostgresConf(conf)) out.set(k, v);
    for (const [k, v] of cli) out.set(k, v);
    return out;
  });
}

/**
 * postgresql.conf: `name = value` or `name value` per line, `#` comments, values single-quoted with
 * `''` or `\'` escapes (the grammar of the Postgres docs, section 20.1.2). Later lines win. `include`
 * directives are not followed (the files they name are not in the plan).
 */
export function parsePostgresConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    let i = 0;
    const line = raw;
    const skipWs = () => {
      while (i < line.length && /\s/.test(line[i])) i++;
    };
    skipWs();
    const nameStart = i;
    while (i < line.length && /[A-Za-z0-9_.]/.test(line[i])) i++;
    const name = line.slice(nameStart, i).toLowerCase();
    if (!name) continue;
    skipWs();
    if (line[i] === "=") i++;
    skipWs();
    let value = "";
    if (line[i] === "'") {
      i++;
      while (i < line.length) {
        if (line[i] === "'" && line[i + 1] === "'") {
          value += "'";
          i += 2;
        } else if (line[i] === "\\" && i + 1 < line.length) {
          value += line[i + 1];
          i += 2;
        } else if (line[i] === "'") {
          i++;
          break;
        } else value += line[i++];
      }
    } else {
      const start = i;
      while (i < line.length && line[i] !== "#" && !/\s/.test(line[i])) i++;
      value = line.slice(start, i);
    }
    if (name === "include" || name === "include_if_exists" || name === "include_dir") continue;
    out.set(name, value);
  }
  return out;
}

/** One pg_hba.conf record. */
export interface HbaRecord {
  readonly line: number;
  readonly type: string;
  readonly databases: string[];
  readonly users: string[];
  readonly address?: string;
  readonly method: string;
  readonly options: Record<string, string>;
}

/**
 * pg_hba.conf records: whitespace-separated fields, `"quoted"` fields, `#` comments, comma lists,
 * an IP address with a separate mask folded into CIDR form, `name=value` auth options. A line
 * ending in `\` continues on the next. `include` lines are reported as records of type `include`.
 */
export function parseHba(text: string): HbaRecord[] {
  const out: HbaRecord[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n];
    const start = n + 1;
    while (line.endsWith("\\") && n + 1 < lines.length) line = line.slice(0, -1) + lines[++n];
    const fields: string[] = [];
    let i = 0;
    while (i < line.length) {
      while (i < line.length && /\s/.test(line[i])) i++;
      if (i >= line.length || line[i] === "#") break;
      let f = "";
      while (i < line.length && !/\s/.test(line[i]) && line[i] !== "#") {
        if (line[i] === '"') {
          i++;
          while (i < line.length && line[i] !== '"') f += line[i++];
          i++;
        } else f += line[i++];
      }
      fields.push(f);
    }
    // Postgres reads `n8n, postgres` as one list: blanks after a comma do not end the field.
    for (let k = 0; k < fields.length - 1; k++) {
      while (fields[k].endsWith(",") && k + 1 < fields.length) fields.splice(k, 2, fields[k] + fields[k + 1]);
    }
    if (fields.length === 0) continue;
    const type = fields[0].toLowerCase();
    if (type.startsWith("include")) {
      out.push({ line: start, type: "include", databases: [], users: [], method: "", options: { file: fields[1] ?? "" } });
      continue;
    }
    const databases = (fields[1] ?? "").split(",");
    const users = (fields[2] ?? "").split(",");
    let rest = fields.slice(3);
    let address: string | undefined;
    if (type !== "local") {
      address = rest[0];
      rest = rest.slice(1);
      if (address && /^\d+\.\d+\.\d+\.\d+$/.test(address) && rest[0] && /^\d+\.\d+\.\d+\.\d+$/.test(rest[0])) {
        const bits = rest[0].split(".").reduce((a, o) => a + (Number(o) >>> 0).toString(2).replace(/0/g, "").length, 0);
        address = `${address}/${bits}`;
        rest = rest.slice(1);
      }
    }
    const method = (rest[0] ?? "").toLowerCase();
    const options: Record<string, string> = {};
    for (const o of rest.slice(1)) {
      const eq = o.indexOf("=");
      if (eq > 0) options[o.slice(0, eq)] = o.slice(eq + 1);
    }
    out.push({ line: start, type, databases, users, address, method, options });
  }
  return out;
}

/** The pg_hba.conf the plan writes for a Postgres container (`hba_file`), parsed; undefined when not in the plan. */
export function postgresHba(c: ModelContainer): HbaRecord[] | undefined {
  return memo(c, "postgres-hba", () => {
    const file = postgresSettings(c).get("hba_file");
    const text = file ? fileContent(c, file) : undefined;
    return text === undefined ? undefined : parseHba(text);
  });
}

// ---- Dex -------------------------------------------------------------------------------------

/** Dex's config file when the plan writes it (`dex serve <file>`), parsed; undefined otherwise. */
export function dexConfig(c: ModelContainer): Record<string, any> | undefined {
  return memo(c, "dex", () => {
    const i = c.command.indexOf("serve");
    // The first positional argument after `serve` (flags such as --web-http-addr may come first).
    const rest = i >= 0 ? c.command.slice(i + 1) : [];
    let file: string | undefined;
    for (let k = 0; k < rest.length && !file; k++) {
      if (!rest[k].startsWith("-")) file = rest[k];
      else if (!rest[k].includes("=")) k++;
    }
    const text = file ? fileContent(c, file) : undefined;
    if (text === undefined) return undefined;
    const parsed = parseConfig(text, formatOf(file!) === "json" ? "json" : "yaml");
    // Dex decodes with encoding/json, which matches keys case-insensitively: read them lower-cased.
    return parsed.doc && typeof parsed.doc === "object" ? (lowerKeys(parsed.doc) as Record<string, any>) : undefined;
  });
}

/** A parsed document with every map key lower-cased (for formats read case-insensitively). */
export function lowerKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(lowerKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), lowerKeys(x)]));
  return v;
}

// ---- Valkey / Redis --------------------------------------------------------------------------

/**
 * Valkey's (or Redis') server settings: a config file the plan writes (the first argument after
 * the binary, when it is not a flag), then `--name value...` arguments, which win as they do in
 * the server. Names lower-cased; a directive's values joined with a space; `user` lines collected
 * apart (a server may have several).
 */
export function valkeySettings(c: ModelContainer): { readonly settings: Map<string, string>; readonly users: readonly string[] } {
  return memo(c, "valkey", () => {
    const settings = new Map<string, string>();
    const users: string[] = [];
    const set = (k: string, v: string) => (k === "user" ? users.push(v) : settings.set(k, v));
    const args = ["valkey-server", "redis-server"].includes(c.command[0] ?? "") ? c.command.slice(1) : c.command;
    let i = 0;
    if (args[0] !== undefined && !args[0].startsWith("--")) {
      const conf = fileContent(c, args[0]);
      for (const line of (conf ?? "").split("\n")) {
        const t = line.trim();
        if (t === "" || t.startsWith("#")) continue;
        const [k, ...v] = t.split(/\s+/);
        set(k.toLowerCase(), v.join(" ").replace(/^"(.*)"$/, "$1"));
      }
      i = 1;
    }
    while (i < args.length) {
      const a = args[i++];
      if (!a.startsWith("--")) continue;
      const values: string[] = [];
      while (i < args.length && !args[i].startsWith("--")) values.push(args[i++]);
      set(a.slice(2).toLowerCase(), values.join(" "));
    }
    return { settings, users };
  });
}
