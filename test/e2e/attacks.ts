/*
 * Attacks on the running dev stack from real clients (curl and openssl on the host, probe
 * containers on each network): the first slice of the attack suite. Each function throws with
 * what it saw when a claim does not hold, and returns what it observed.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { CheckError, Expect, run, RunResult } from "./harness";

export interface AttackContext {
  readonly work: string;
  readonly prefix: string;
  readonly n8nHost: string;
  readonly authHost: string;
  readonly probeImage: string;
  readonly env: NodeJS.ProcessEnv;
  readonly secretsDir: string;
  readonly stateFile: string;
  readonly containers: string[];
  readonly postgres: { readonly database: string; readonly n8nRole: string };
}

interface Http {
  readonly code: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** One request from the host to the published 443/80, names resolved to loopback, the dev CA trusted. */
export function request(ctx: AttackContext, url: string, extra: string[] = []): Http {
  const body = path.join(ctx.work, "attack-body");
  const head = path.join(ctx.work, "attack-head");
  const r = run("curl", [
    "-sS", "-o", body, "-D", head, "-w", "%{http_code}", "-m", "10",
    "--cacert", path.join(ctx.secretsDir, "tls", "ca.pem"),
    "--resolve", `${ctx.n8nHost}:443:127.0.0.1`, "--resolve", `${ctx.n8nHost}:80:127.0.0.1`,
    "--resolve", `${ctx.authHost}:443:127.0.0.1`, "--resolve", `unknown.example.com:443:127.0.0.1`,
    ...extra, url,
  ]);
  if (r.status !== 0) return { code: `curl-exit-${r.status}`, headers: {}, body: r.stderr.trim() };
  const headers: Record<string, string> = {};
  for (const line of readFileSync(head, "utf8").split(/\r?\n/)) {
    const i = line.indexOf(":");
    if (i > 0) headers[line.slice(0, i).toLowerCase()] = line.slice(i + 1).trim();
  }
  return { code: r.stdout.trim(), headers, body: readFileSync(body, "utf8") };
}

/** n8n's editor shell, its REST answers or Traefik's API: what must never reach an anonymous client. */
export const N8N_CONTENT = /<title>n8n|window\.BASE_PATH|\/assets\/index-|"data":\s*\[|"workflows"|n8n-editor/i;
/** A request the stack must refuse: no success status and nothing of n8n in the answer. */
function expectRefused(e: Expect, seen: Record<string, string>, name: string, r: Http): void {
  seen[name] = r.code;
  e.ok(name, r.code === "401" || r.code === "302" || r.code === "403", `granted ${r.code}`);
  e.ok(name, !N8N_CONTENT.test(r.body), "n8n content served");
}

const TRAEFIK_API = /"routers"|"middlewares"|"entryPoints"|traefik dashboard/i;

export function anonymousAccess(ctx: AttackContext): unknown {
  const e = new Expect();
  const seen: Record<string, string> = {};
  const paths = ["/", "/home/workflows", "/workflow/new", "/signin", "/rest/workflows", "/rest/settings", "/rest/login", "/webhook-test/anything", "/form-test/anything", "/api/v1/workflows"];
  for (const p of paths) {
    for (const [kind, headers] of [["browser", ["-H", "Accept: text/html"]], ["background", ["-H", "Accept: application/json", "-H", "X-Requested-With: XMLHttpRequest"]]] as const) {
      const r = request(ctx, `https://${ctx.n8nHost}${p}`, [...headers]);
      seen[`${kind} ${p}`] = r.code;
      e.ok(`${kind} ${p}`, !N8N_CONTENT.test(r.body), `n8n content served without a session (status ${r.code})`);
      if (kind === "browser") e.ok(`${kind} ${p}`, r.code === "302" && (r.headers.location ?? "").startsWith(`https://${ctx.authHost}/dex/auth?`), `expected a redirect to the IdP, got ${r.code} → ${r.headers.location ?? ""}`);
      else e.ok(`${kind} ${p}`, r.code === "401" || r.code === "302", `expected 401 (or a redirect), got ${r.code}`);
    }
  }
  return e.done(seen);
}

export function forgedIdentity(ctx: AttackContext): unknown {
  const forged = [
    "X-Forwarded-User: demo@example.com",
    "X-Forwarded-Email: demo@example.com",
    "X-Auth-Request-User: demo@example.com",
    "X-Auth-Request-Email: demo@example.com",
    "X-Auth-Request-Groups: admins",
    "X-Forwarded-For: 172.30.0.10",
    "X-Forwarded-Host: n8n.localhost",
    "X-Forwarded-Proto: https",
    "X-Real-Ip: 127.0.0.1",
    "Authorization: Bearer forged.jwt.token",
    "Cookie: __Host-n8n-sso=forged; n8n-auth=forged",
  ];
  const e = new Expect();
  const seen: Record<string, string> = {};
  for (const h of [...forged, forged.join("\n")]) {
    const headers = h.split("\n").flatMap((x) => ["-H", x]);
    for (const p of ["/", "/rest/workflows"]) {
      const r = request(ctx, `https://${ctx.n8nHost}${p}`, [...headers, "-H", "Accept: application/json"]);
      expectRefused(e, seen, `${h.includes("\n") ? "all forged headers" : h.split(":")[0]} ${p}`, r);
    }
  }
  return e.done(seen);
}

export function tamperedCookie(ctx: AttackContext): unknown {
  const e = new Expect();
  const seen: Record<string, string> = {};
  // A syntactically plausible oauth2-proxy cookie (value|timestamp|signature) signed with another secret.
  const now = Math.floor(Date.now() / 1000);
  const cookies = {
    garbage: "not-a-session",
    "wrong signature": `${Buffer.from("eyJlbWFpbCI6ImRlbW9AZXhhbXBsZS5jb20ifQ").toString("base64url")}|${now}|${Buffer.alloc(32, 7).toString("base64url")}`,
    expired: `${Buffer.from("x").toString("base64url")}|${now - 86400 * 30}|${Buffer.alloc(32, 1).toString("base64url")}`,
    "another name": "x",
  };
  for (const [what, value] of Object.entries(cookies)) {
    const name = what === "another name" ? "_oauth2_proxy" : `__Host-${ctx.prefix}-sso`;
    expectRefused(e, seen, what, request(ctx, `https://${ctx.n8nHost}/rest/workflows`, ["-H", `Cookie: ${name}=${value}`, "-H", "Accept: application/json"]));
  }
  return e.done(seen);
}

export function nothingElseAnswers(ctx: AttackContext): unknown {
  const e = new Expect();
  const seen: Record<string, string> = {};
  const check = (what: string, url: string, extra: string[] = []) => {
    const r = request(ctx, url, extra);
    seen[what] = r.code;
    e.ok(what, !N8N_CONTENT.test(r.body) && !TRAEFIK_API.test(r.body) && !/n8n_|process_cpu|go_goroutines/.test(r.body), `served content (status ${r.code}): ${r.body.slice(0, 120)}`);
    e.ok(what, !/^2/.test(r.code), `answered ${r.code}`);
    return r;
  };
  // n8n's metrics and health are matched by no router: Traefik's own 404.
  for (const p of ["/metrics", "/healthz", "/healthz/readiness"]) {
    const r = check(`n8n ${p}`, `https://${ctx.n8nHost}${p}`);
    e.equal(`n8n ${p} status`, r.code, "404");
  }
  for (const p of ["/api/rawdata", "/api/http/routers", "/dashboard/", "/api/overview", "/ping"]) check(`traefik ${p}`, `https://${ctx.n8nHost}${p}`, ["-H", "Accept: application/json"]);
  // Only Dex's own prefix is routed on the IdP host.
  for (const p of ["/", "/metrics", "/healthz", "/healthz/ready", "/dexx"]) {
    const r = check(`idp ${p}`, `https://${ctx.authHost}${p}`);
    e.equal(`idp ${p} status`, r.code, "404");
  }
  // An unknown Host on a known SNI: no router.
  const host = check("unknown Host header", `https://${ctx.n8nHost}/`, ["-H", "Host: unknown.example.com"]);
  e.equal("unknown Host status", host.code, "404");
  // An unknown SNI: sniStrict refuses the handshake (no default certificate handed out).
  const sni = run("openssl", ["s_client", "-connect", "127.0.0.1:443", "-servername", "unknown.example.com", "-brief"], { input: "", timeout: 10000 });
  seen["unknown SNI"] = sni.status === 0 ? "handshake completed" : "handshake refused";
  e.ok("unknown SNI", sni.status !== 0, `handshake completed: ${(sni.stdout + sni.stderr).slice(0, 200)}`);
  const noSni = run("openssl", ["s_client", "-connect", "127.0.0.1:443", "-noservername", "-brief"], { input: "", timeout: 10000 });
  seen["no SNI"] = noSni.status === 0 ? "handshake completed" : "handshake refused";
  e.ok("no SNI", noSni.status !== 0, "handshake completed without SNI");
  return e.done(seen);
}

export function tlsVersions(ctx: AttackContext): unknown {
  const e = new Expect();
  const seen: Record<string, string> = {};
  const ca = path.join(ctx.secretsDir, "tls", "ca.pem");
  const attempt = (flag: string, extra: string[] = []) => {
    const r = run("openssl", ["s_client", "-connect", "127.0.0.1:443", "-servername", ctx.n8nHost, "-CAfile", ca, "-verify_return_error", flag, ...extra], { input: "", timeout: 10000 });
    const text = r.stdout + r.stderr;
    return { ok: r.status === 0 && /Verify return code: 0 \(ok\)/.test(text), protocol: /Protocol\s*:\s*(\S+)/.exec(text)?.[1] ?? "", cipher: /Cipher\s*(?:is|:)\s*(\S+)/.exec(text)?.[1] ?? "", text };
  };
  // The client is allowed to try old versions (security level 0), so the refusal is the server's.
  for (const [flag, name] of [["-tls1", "TLS 1.0"], ["-tls1_1", "TLS 1.1"]]) {
    const r = attempt(flag, ["-cipher", "DEFAULT@SECLEVEL=0"]);
    seen[name] = r.ok ? `accepted (${r.cipher})` : "refused";
    e.ok(name, !r.ok, `accepted with ${r.cipher}`);
  }
  const t12 = attempt("-tls1_2");
  seen["TLS 1.2"] = t12.ok ? `accepted (${t12.cipher})` : "refused";
  e.ok("TLS 1.2", t12.ok, t12.text.slice(-300));
  e.ok("TLS 1.2 cipher is AEAD with forward secrecy", /^ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/.test(t12.cipher), t12.cipher);
  const weak = attempt("-tls1_2", ["-cipher", "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA"]);
  seen["TLS 1.2 CBC/non-FS suites"] = weak.ok ? `accepted (${weak.cipher})` : "refused";
  e.ok("TLS 1.2 CBC/non-FS suites", !weak.ok, `accepted ${weak.cipher}`);
  const t13 = attempt("-tls1_3");
  seen["TLS 1.3"] = t13.ok ? `accepted (${t13.cipher})` : "refused";
  e.ok("TLS 1.3", t13.ok, t13.text.slice(-300));
  return e.done(seen);
}

export function securityHeaders(ctx: AttackContext): unknown {
  const e = new Expect();
  const seen: Record<string, Record<string, string | undefined>> = {};
  for (const [what, url] of [
    ["editor redirect", `https://${ctx.n8nHost}/`],
    ["sign-in start", `https://${ctx.n8nHost}/oauth2/start`],
    ["public webhook (404: no workflow)", `https://${ctx.n8nHost}/webhook/none`],
    ["IdP discovery", `https://${ctx.authHost}/dex/.well-known/openid-configuration`],
  ] as const) {
    const r = request(ctx, url, ["-H", "Accept: text/html"]);
    const h = r.headers;
    seen[what] = { status: r.code, hsts: h["strict-transport-security"], nosniff: h["x-content-type-options"], frame: h["x-frame-options"], referrer: h["referrer-policy"] };
    e.ok(`${what} HSTS`, /max-age=31536000; includeSubDomains/.test(h["strict-transport-security"] ?? ""), `got ${h["strict-transport-security"]}`);
    e.equal(`${what} nosniff`, h["x-content-type-options"], "nosniff");
    e.equal(`${what} frame`, h["x-frame-options"], "SAMEORIGIN");
    e.ok(`${what} no Server/X-Powered-By`, !h["x-powered-by"] && !/traefik|express/i.test(h.server ?? ""), `server ${h.server}, x-powered-by ${h["x-powered-by"]}`);
  }
  return e.done(seen);
}

/** `sh -c script` in a fresh probe container on the given networks; stdout parsed as key=value. */
export function probe(ctx: AttackContext, network: string, script: string): Record<string, string> {
  const r: RunResult = run("docker", ["run", "--rm", "--network", network, ctx.probeImage, "sh", "-c", script], { env: ctx.env, timeout: 120000 });
  if (r.status !== 0) throw new CheckError(`probe on ${network} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return Object.fromEntries(r.stdout.trim().split(/\s+/).filter((t) => t.includes("=")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
}

export function ipOf(ctx: AttackContext, container: string, network: string): string {
  return run("docker", ["inspect", "-f", `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, container], { env: ctx.env }).stdout.trim();
}

/** TCP connect attempts (by name and by address) from a probe on each network. */
export function segmentation(ctx: AttackContext): unknown {
  const P = ctx.prefix;
  const target = (c: string, net: string, port: number) => ({ name: `${P}-${c}`, ip: ipOf(ctx, `${P}-${c}`, `${P}-${net}`), port });
  const pg = target("postgres", "data", 5432);
  const main = target("main", "app", 5678);
  const runners = target("runners", "app", 5680);
  const sock = target("socket-proxy", "socket", 2375);
  // `timeout` bounds the name lookup too: a name from another network is unknown to this one's
  // DNS, whose forward to the outside goes nowhere (the suite's dead resolver).
  const tcp = (label: string, host: string, port: number) => `if timeout 4 nc -z -w 3 ${host} ${port} 2>/dev/null; then echo ${label}=open; else echo ${label}=closed; fi`;
  const matrix: Record<string, { allowed: string[]; denied: [string, string, number][] }> = {
    edge: { allowed: [], denied: [["postgres", pg.ip, pg.port], ["n8n", main.ip, main.port], ["runners", runners.ip, runners.port], ["socketproxy", sock.ip, sock.port]] },
    app: { allowed: ["n8n"], denied: [["postgres", pg.ip, pg.port], ["socketproxy", sock.ip, sock.port]] },
    egress: { allowed: [], denied: [["postgres", pg.ip, pg.port], ["runners", runners.ip, runners.port], ["socketproxy", sock.ip, sock.port]] },
    data: { allowed: ["postgres"], denied: [["runners", runners.ip, runners.port], ["socketproxy", sock.ip, sock.port]] },
  };
  const e = new Expect();
  const seen: Record<string, Record<string, string>> = {};
  for (const [net, m] of Object.entries(matrix)) {
    const lines = m.denied.flatMap(([label, ip, port]) => [tcp(`${label}_ip`, ip, port), tcp(`${label}_name`, `${P}-${label === "n8n" ? "main" : label === "socketproxy" ? "socket-proxy" : label}`, port)]);
    if (m.allowed.includes("n8n")) lines.push(tcp("n8n_name", main.name, main.port));
    if (m.allowed.includes("postgres")) lines.push(tcp("postgres_name", pg.name, pg.port));
    const out = probe(ctx, `${P}-${net}`, lines.join("; "));
    seen[net] = out;
    for (const [label] of m.denied) {
      e.equal(`${net} ↛ ${label} (by address)`, out[`${label}_ip`], "closed");
      e.equal(`${net} ↛ ${label} (by name)`, out[`${label}_name`], "closed");
    }
    for (const label of m.allowed) e.equal(`${net} → ${label}`, out[`${label}_name`], "open");
  }
  // Nothing leaves an internal network (Docker keeps a gateway address on the bridge and drops
  // the traffic): not to a listening address on another of the stack's networks (Traefik's edge
  // address), not to a public one.
  const traefikEdge = ipOf(ctx, `${P}-traefik`, `${P}-edge`);
  for (const net of ["socket", "app", "data"]) {
    const out = probe(ctx, `${P}-${net}`, `${tcp("traefik_edge", traefikEdge, 443)}; ${tcp("public", "192.0.2.1", 80)}`);
    seen[`${net} out`] = out;
    e.equal(`${net} ↛ Traefik's edge address`, out.traefik_edge, "closed");
    e.equal(`${net} ↛ a public address`, out.public, "closed");
  }
  return e.done(seen);
}

/** The Docker API subset Traefik needs answers on the socket network; nothing else does. */
export function socketProxyApi(ctx: AttackContext): unknown {
  const host = `http://${ctx.prefix}-socket-proxy:2375`;
  const reqs: [string, string, string, string][] = [
    ["ping", "GET", "/_ping", "200"],
    ["version", "GET", "/version", "200"],
    ["containers", "GET", "/containers/json", "200"],
    ["inspect", "GET", `/containers/${ctx.prefix}-traefik/json`, "200"],
    ["create", "POST", "/containers/create", "403"],
    ["start", "POST", `/containers/${ctx.prefix}-main/start`, "403"],
    ["kill", "POST", `/containers/${ctx.prefix}-main/kill`, "403"],
    ["delete", "DELETE", `/containers/${ctx.prefix}-main`, "403"],
    ["exec", "POST", `/containers/${ctx.prefix}-main/exec`, "403"],
    ["images", "GET", "/images/json", "403"],
    ["volumes", "GET", "/volumes", "403"],
    ["networks", "GET", "/networks", "403"],
    ["info", "GET", "/info", "403"],
    ["secrets", "GET", "/secrets", "403"],
    ["build", "POST", "/build", "403"],
    ["versioned create", "POST", "/v1.41/containers/create", "403"],
    ["pause", "POST", `/containers/${ctx.prefix}-main/pause`, "403"],
    // Reads inside a container: refused although CONTAINERS=1 (ALLOW_LOGS, ALLOW_ARCHIVE, ...).
    ["logs", "GET", `/containers/${ctx.prefix}-main/logs?stdout=1&tail=1`, "403"],
    ["archive", "GET", `/containers/${ctx.prefix}-main/archive?path=/run/secrets`, "403"],
    ["versioned archive", "GET", `/v1.41/containers/${ctx.prefix}-main/archive?path=/etc/hostname`, "403"],
    ["encoded archive", "GET", `/containers/${ctx.prefix}-main%2Farchive?path=/etc/hostname`, "403"],
    ["export", "GET", `/containers/${ctx.prefix}-main/export`, "403"],
    ["changes", "GET", `/containers/${ctx.prefix}-main/changes`, "403"],
    ["top", "GET", `/containers/${ctx.prefix}-main/top`, "403"],
  ];
  const script = reqs.map(([label, method, p]) => `echo ${label.replace(/ /g, "_")}=$(curl -s -o /dev/null -w '%{http_code}' -m 5 -X ${method} '${host}${p}')`).join("; ");
  const out = probe(ctx, `${ctx.prefix}-socket`, script);
  const e = new Expect();
  for (const [label, , , expected] of reqs) e.equal(label, out[label.replace(/ /g, "_")], expected);
  return e.done(out);
}

/** The live Postgres refuses what pg_hba and the role model say it refuses. */
export function postgresRefusals(ctx: AttackContext): unknown {
  const P = ctx.prefix;
  const pgHost = `${P}-postgres`;
  const pass = readFileSync(path.join(ctx.secretsDir, "n8n-db-password"), "utf8");
  const superPass = readFileSync(path.join(ctx.secretsDir, "postgres-superuser-password"), "utf8");
  const { database, n8nRole } = ctx.postgres;
  // Passwords reach psql through the environment of the probe process only (never its arguments).
  const attempt = (label: string, user: string, db: string, sslmode: string, pw: string) =>
    `if PGPASSWORD="$${pw}" PGCONNECT_TIMEOUT=5 psql -X -At "host=${pgHost} user=${user} dbname=${db} sslmode=${sslmode}" -c 'select 1' >/dev/null 2>/tmp/${label}.err; then echo ${label}=accepted; else echo ${label}=refused:$(grep -o 'no pg_hba.conf entry\\|password authentication failed\\|permission denied[a-z ]*\\|SSL off\\|does not exist' /tmp/${label}.err | head -1 | tr ' ' '_'); fi`;
  const script = [
    attempt("n8n_tls", n8nRole, database, "require", "N8N_PW"),
    attempt("n8n_plain", n8nRole, database, "disable", "N8N_PW"),
    attempt("n8n_other_db", n8nRole, "postgres", "require", "N8N_PW"),
    attempt("superuser_tls", "postgres", "postgres", "require", "SUPER_PW"),
    attempt("wrong_password", n8nRole, database, "require", "WRONG_PW"),
  ].join("; ");
  const r = run("docker", ["run", "--rm", "--network", `${P}-data`, "-e", "N8N_PW", "-e", "SUPER_PW", "-e", "WRONG_PW", ctx.probeImage, "sh", "-c", script], { env: { ...ctx.env, N8N_PW: pass, SUPER_PW: superPass, WRONG_PW: "not-the-password" }, timeout: 60000 });
  const out = Object.fromEntries(r.stdout.trim().split(/\s+/).filter((t) => t.includes("=")).map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]));
  // From outside the data network, the server is not even reachable.
  const fromApp = probe(ctx, `${P}-app`, `if timeout 4 nc -z -w 3 ${pgHost} 5432 2>/dev/null; then echo reach=open; else echo reach=closed; fi`);
  return new Expect()
    .equal("n8n over TLS", out.n8n_tls, "accepted")
    .ok("n8n without TLS", (out.n8n_plain ?? "").startsWith("refused"), out.n8n_plain)
    .ok("n8n on another database", (out.n8n_other_db ?? "").startsWith("refused"), out.n8n_other_db)
    .ok("superuser over the network", (out.superuser_tls ?? "").startsWith("refused"), out.superuser_tls)
    .ok("wrong password", (out.wrong_password ?? "").startsWith("refused"), out.wrong_password)
    .equal("from the app network", fromApp.reach, "closed")
    .done({ ...out, fromAppNetwork: fromApp.reach });
}

/** No secret value in docker inspect (env, labels, command), the containers' logs or the Terraform state. */
export function noSecretValues(ctx: AttackContext): unknown {
  const secretFiles = ["n8n-encryption-key", "n8n-db-password", "n8n-runners-auth-token", "postgres-superuser-password", "postgres-reporting-password", "postgres-agent-password", "oauth2-proxy-cookie-secret", "oauth2-proxy-client-secret", "dex-demo-password", "tls/key.pem"];
  const secrets = secretFiles.map((f) => [f, readFileSync(path.join(ctx.secretsDir, f), "utf8")] as const);
  const keyBody = secrets.find(([f]) => f === "tls/key.pem")![1].split("\n").filter((l) => l && !l.startsWith("-----")).join("");
  const needles = secrets.map(([f, v]) => [f, f === "tls/key.pem" ? keyBody.slice(0, 40) : v] as const);
  const places: Record<string, string> = {};
  for (const c of ctx.containers) {
    const inspect = JSON.parse(run("docker", ["inspect", c], { env: ctx.env }).stdout)[0];
    places[`${c} env/labels/cmd`] = JSON.stringify([inspect.Config.Env, inspect.Config.Labels, inspect.Config.Cmd, inspect.Config.Entrypoint, inspect.Args]);
    const logs = run("docker", ["logs", c], { env: ctx.env });
    places[`${c} logs`] = logs.stdout + logs.stderr;
  }
  places["terraform state"] = readFileSync(ctx.stateFile, "utf8");
  const e = new Expect();
  const sizes: Record<string, number> = {};
  for (const [where, text] of Object.entries(places)) {
    sizes[where] = text.length;
    for (const [file, value] of needles) e.ok(`${file} in ${where}`, value.length >= 8 && !text.includes(value), "secret value found");
  }
  // Secret files inside the containers: read-only mounts, owned by runAs, mode 0600.
  const perms = run("docker", ["exec", `${ctx.prefix}-main`, "sh", "-c", "find /run/secrets -type f -exec stat -c '%n=%u:%g:%a' {} + | tr '\\n' ' '"], { env: ctx.env }).stdout.trim();
  for (const entry of perms.split(/\s+/).filter(Boolean)) {
    const [file, mode] = entry.split("=");
    if (file.endsWith("ca.pem")) continue;
    e.ok(`${file} in n8n`, /^\d+:\d+:600$/.test(mode) && !mode.startsWith("0:"), `owner:group:mode ${mode}`);
  }
  return e.done({ searchedChars: sizes, secretFilesInN8n: perms });
}

/**
 * The public router's limits: a body above the limit is refused; one client above the rate limit
 * gets 429 while a second client (another source address) is still served. The limits come from
 * the config. Bounded: one burst of `requests` requests, then one request from the second client.
 */
export function publicLimits(ctx: AttackContext, limits: { average: number; burst: number; maxBodyMb: number }): unknown {
  const e = new Expect();
  const url = `https://${ctx.n8nHost}/webhook/e2e-no-such-hook`;
  // Above the body limit (Traefik buffers and refuses before n8n sees it).
  const big = path.join(ctx.work, "big-body");
  run("sh", ["-c", `head -c ${(limits.maxBodyMb + 1) * 1024 * 1024} /dev/zero > '${big}'`]);
  // Traefik answers 413 from the Content-Length, often while curl is still sending: curl may then
  // exit 18/55/56 although it printed the status; the status is what counts. Asking for
  // 100-continue lets the refusal come before the body is sent.
  let body = { code: "", exit: 0 };
  for (let i = 0; i < 3 && body.code !== "413"; i++) {
    const r = run("curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "-m", "30", "--cacert", path.join(ctx.secretsDir, "tls", "ca.pem"), "--resolve", `${ctx.n8nHost}:443:127.0.0.1`, "-X", "POST", "-H", "Expect: 100-continue", "-H", "Content-Type: application/octet-stream", "--data-binary", `@${big}`, url]);
    body = { code: r.stdout.trim(), exit: r.status };
  }
  e.equal("body above the limit", body.code, "413");
  run("sleep", [String(Math.ceil(limits.burst / limits.average) + 1)]);
  // One client, a bounded burst well above burst + average.
  const requests = limits.burst + limits.average * 3;
  // One -o per URL: curl applies each to one URL only.
  const urls = Array.from({ length: requests }, () => ["-o", "/dev/null", url]).flat();
  const r = run("curl", ["-s", "-w", "%{http_code}\n", "-m", "30", "--cacert", path.join(ctx.secretsDir, "tls", "ca.pem"), "--resolve", `${ctx.n8nHost}:443:127.0.0.1`, ...urls]);
  const codes = r.stdout.trim().split("\n");
  const count = (c: string) => codes.filter((x) => x === c).length;
  const limited = count("429");
  e.ok("the burst is limited", limited > 0, `no 429 in ${requests} requests: ${JSON.stringify(Object.fromEntries([...new Set(codes)].map((c) => [c, count(c)])))}`);
  e.ok("up to the burst is served", codes.slice(0, limits.burst).every((c) => c !== "429"), `429 within the first ${limits.burst}`);
  // A second client right after, from another address: a probe on the edge network, through
  // Traefik's edge address, with the dev CA.
  const edgeIp = ipOf(ctx, `${ctx.prefix}-traefik`, `${ctx.prefix}-edge`);
  const second = run("docker", ["run", "--rm", "--network", `${ctx.prefix}-edge`, "-v", `${path.join(ctx.secretsDir, "tls", "ca.pem")}:/ca.pem:ro`, ctx.probeImage, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-m", "10", "--cacert", "/ca.pem", "--resolve", `${ctx.n8nHost}:443:${edgeIp}`, url], { env: ctx.env, timeout: 60000 });
  e.ok("a second client is still served", second.stdout.trim() !== "429" && /^\d{3}$/.test(second.stdout.trim()), `second client got ${second.stdout.trim() || second.stderr.slice(-200)}`);
  return e.done({ bodyAboveLimit: body, burst: { sent: requests, served: requests - limited, limited }, secondClient: second.stdout.trim() });
}

/** The attack cases, in the order the suite runs them after the edge checks (each must fail on the live stack). */
export const ATTACK_CASES: readonly (readonly [string, string, (c: AttackContext) => unknown])[] = [
  ["attack.anonymous", "without a session, editor pages, /rest/*, /webhook-test/ and /form-test/ never return n8n content: pages redirect to the IdP, background requests get 401", anonymousAccess],
  ["attack.forged-identity", "forged identity headers, X-Forwarded-*, a bogus Authorization or session cookie grant nothing", forgedIdentity],
  ["attack.tampered-cookie", "a tampered, expired or foreign session cookie is refused", tamperedCookie],
  ["attack.nothing-else-answers", "/metrics, /healthz, Traefik's API and dashboard, the IdP's other paths, an unknown Host or SNI: nothing of n8n, Traefik or the IdP is served", nothingElseAnswers],
  ["attack.tls", "TLS 1.0/1.1 and CBC or non-forward-secret suites are refused; TLS 1.2 (AEAD, ECDHE) and 1.3 verify against the dev CA", tlsVersions],
  ["attack.testssl", "testssl.sh finds no old protocol, a chain to the dev CA, and no MEDIUM/HIGH/CRITICAL issue but the accepted one (no revocation URLs on dev certificates)", testsslScan],
  ["attack.headers", "HSTS, nosniff and frame options on every response, redirects and 404s included; no Server or X-Powered-By", securityHeaders],
  ["attack.segmentation", "from a probe on each network only the README's paths are reachable; socket, app and data have no route out", segmentation],
  ["attack.socket-proxy", "from the socket network Traefik's read API answers (ping, version, container list and inspect); writes, lifecycle calls, exec, images, volumes, networks, info, secrets, build and the reads inside a container (logs, archive, export, changes, top; also versioned and URL-encoded) are refused", socketProxyApi],
  ["attack.postgres", "the live Postgres refuses a non-TLS login, the superuser over the network, n8n's role on another database, a wrong password, and anything outside the data network", postgresRefusals],
  ["attack.no-secret-values", "no secret value in docker inspect, container logs or the Terraform state; secret files in n8n are 0600 and owned by runAs", noSecretValues],
];

/** Every case of the suite that attacks the live stack or checks its edge: each must have a twin rule (test/e2e/twins.ts). */
export const ATTACK_CASE_IDS: readonly string[] = ["edge.redirect", "edge.sso", "sso.sign-in", "sso.refused-user", "sso.session-lifetime", "edge.public-webhook", "edge.waiting-webhook", "edge.public-form", ...ATTACK_CASES.map(([id]) => id), "attack.public-limits", "attack.queue-segmentation"];


/** Findings testssl.sh may report on the dev stack, each with why it is expected there. */
export const TESTSSL_ACCEPTED: Record<string, string> = {
  cert_revocation: "the dev CA issues certificates without CRL or OCSP URLs; a revoked dev certificate is replaced by `npm run secrets:dev` (prod uses ACME certificates, which carry them)",
};

/**
 * An independent TLS scanner on the published 443: testssl.sh (Debian's package, with the system
 * OpenSSL) checks protocols, server defaults, headers and the known TLS vulnerabilities, trusting
 * the dev CA; no DNS lookups, no CRL/OCSP fetches (it never phones out unless told to).
 */
export function testsslScan(ctx: AttackContext): unknown {
  const json = path.join(ctx.work, "testssl.json");
  rmSync(json, { force: true });
  const r = run("testssl", ["--quiet", "--color", "0", "--warnings", "off", "--nodns", "none", "--ip", "127.0.0.1", "--add-ca", path.join(ctx.secretsDir, "tls", "ca.pem"), "-p", "-S", "-U", "-h", "--jsonfile", json, `https://${ctx.n8nHost}:443`], { timeout: 300_000 });
  if (!existsSync(json)) throw new CheckError(`testssl wrote no report (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-1500)}`);
  const findings = JSON.parse(readFileSync(json, "utf8")) as { id: string; severity: string; finding: string }[];
  const byId = new Map(findings.map((f) => [f.id, f]));
  const e = new Expect();
  for (const p of ["SSLv2", "SSLv3", "TLS1", "TLS1_1"]) e.ok(`${p} not offered`, byId.get(p)?.finding === "not offered", byId.get(p)?.finding ?? "not reported");
  for (const p of ["TLS1_2", "TLS1_3"]) e.ok(`${p} offered`, /^offered/.test(byId.get(p)?.finding ?? ""), byId.get(p)?.finding ?? "not reported");
  e.ok("the certificate chains to the dev CA", byId.get("cert_chain_of_trust")?.finding === "passed.", byId.get("cert_chain_of_trust")?.finding ?? "not reported");
  const serious = findings.filter((f) => ["MEDIUM", "HIGH", "CRITICAL"].includes(f.severity) && !TESTSSL_ACCEPTED[f.id]);
  e.ok("no MEDIUM, HIGH or CRITICAL finding beyond the accepted ones", serious.length === 0, serious.map((f) => `${f.severity} ${f.id}: ${f.finding}`).join("; "));
  const notable = findings.filter((f) => !["OK", "INFO"].includes(f.severity)).map((f) => ({ id: f.id, severity: f.severity, finding: f.finding.slice(0, 120), accepted: TESTSSL_ACCEPTED[f.id] }));
  return e.done({ testssl: (r.stdout.match(/testssl\s+\S+/) ?? [""])[0], notable });
}
