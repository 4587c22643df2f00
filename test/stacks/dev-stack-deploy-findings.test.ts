/*
 * Findings of the real `cdktf deploy dev` (the deploy suite, test/e2e), each pinned at the JSON
 * layer so the cheap tests catch it next time. One describe block per finding (the dev secrets
 * owner finding is in test/common/dev-secrets.test.ts, beside the generator's other tests).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { canonicalCpus, canonicalDuration } from "../../constructs/common/hardened-container";
import { renderDexConfig } from "../../constructs/common/dev-secrets";
import { devConfig, rawDevConfig, synthDev } from "../helpers/synth";

const containerNamed = (json: any, name: string) => Object.values(json.resource.docker_container as Record<string, any>).find((c) => c.name === name);

describe("dev publishes on loopback unless the config says otherwise", () => {
  test("by default Traefik's 443 and 80 are bound to 127.0.0.1 only", () => {
    const json: any = synthDev().json;
    expect(containerNamed(json, "n8n-traefik").ports).toEqual([
      { internal: 443, external: 443, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 80, external: 80, ip: "127.0.0.1", protocol: "tcp" },
    ]);
  });

  test("network.bindAddress exposes it on purpose", () => {
    const raw = rawDevConfig();
    raw.network = { ...raw.network, bindAddress: "0.0.0.0" };
    const json: any = synthDev(devConfig(raw)).json;
    expect(containerNamed(json, "n8n-traefik").ports.map((p: any) => p.ip)).toEqual(["0.0.0.0", "0.0.0.0"]);
  });

  test("a bindAddress that is not an IPv4 address is refused, naming the field", () => {
    const raw = rawDevConfig();
    raw.network = { ...raw.network, bindAddress: "localhost" };
    expect(() => devConfig(raw)).toThrow(/network\.bindAddress: must be an IPv4 address/);
  });
});

describe("the engine's socket is configurable, and Terraform talks to the same engine the proxy mounts", () => {
  test("without dockerSocket: the proxy mounts /var/run/docker.sock and the provider follows DOCKER_HOST", () => {
    const json: any = synthDev().json;
    expect(json.provider.docker).toEqual([{}]);
    expect(containerNamed(json, "n8n-socket-proxy").mounts.filter((m: any) => m.target === "/var/run/docker.sock")).toEqual([
      { type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock", read_only: true },
    ]);
  });

  test("with dockerSocket: both use it", () => {
    const raw = rawDevConfig();
    raw.dockerSocket = "/run/user/1000/docker.sock";
    const json: any = synthDev(devConfig(raw)).json;
    expect(json.provider.docker).toEqual([{ host: "unix:///run/user/1000/docker.sock" }]);
    const mounts = containerNamed(json, "n8n-socket-proxy").mounts.filter((m: any) => m.target === "/var/run/docker.sock");
    expect(mounts).toEqual([{ type: "bind", source: "/run/user/1000/docker.sock", target: "/var/run/docker.sock", read_only: true }]);
    // Still the only container with the socket.
    const withSocket = Object.values(json.resource.docker_container as Record<string, any>).filter((c) => (c.mounts ?? []).some((m: any) => /docker\.sock$/.test(m.source)));
    expect(withSocket.map((c) => c.name)).toEqual(["n8n-socket-proxy"]);
  });

  test("a relative or odd socket path is refused, naming the field", () => {
    const raw = rawDevConfig();
    raw.dockerSocket = "docker.sock";
    expect(() => devConfig(raw)).toThrow(/dockerSocket: must be an absolute path/);
    raw.dockerSocket = "/var/run/../docker.sock";
    expect(() => devConfig(raw)).toThrow(/dockerSocket: must not contain \.\./);
  });
});

describe("files for read-only containers", () => {
  // Found on the first real deploy: Docker refuses the provider's uploads (extracted at `/`) for
  // every read-only root, so Traefik and Postgres never got created.
  test("no container in the dev stack uses the provider's upload; Traefik's and Postgres' files are written at start", () => {
    const { json, model } = synthDev();
    const containers = Object.values((json as any).resource.docker_container as Record<string, any>);
    expect(containers.filter((c) => c.upload !== undefined && c.read_only).map((c) => c.name)).toEqual([]);
    const files = (name: string) => model.containers.find((c) => c.name === name)!.uploads.map((u) => u.file).sort();
    expect(files("n8n-traefik")).toEqual(["/etc/traefik/dynamic/zero-trust.yml", "/etc/traefik/traefik.yml"]);
    expect(files("n8n-postgres")).toEqual(["/docker-entrypoint-initdb.d/10-n8n-bootstrap.sh", "/etc/n8n-bootstrap/bootstrap.sql", "/etc/n8n-bootstrap/pg_hba.conf"]);
  });

  // Found on the first real deploy: the init script is not executable for the server's uid, so the
  // official entrypoint sources it; its `exec psql` replaced the entrypoint and killed the
  // temporary server mid-initialisation.
  test("the Postgres init script can be sourced by the entrypoint (bash, set -Eeo pipefail): it runs psql and returns", () => {
    const { model } = synthDev();
    const script = model.containers.find((c) => c.name === "n8n-postgres")!.uploads.find((u) => u.file.endsWith("10-n8n-bootstrap.sh"))!.content!;
    const dir = mkdtempSync(path.join(os.tmpdir(), "zt-init-"));
    writeFileSync(path.join(dir, "init.sh"), script);
    writeFileSync(path.join(dir, "psql"), "#!/bin/sh\necho \"psql $*\" >> \"$LOG\"\n", { mode: 0o755 });
    const entry = `set -Eeo pipefail\n. "${dir}/init.sh"\necho entrypoint-continues\n`;
    const out = execFileSync("bash", ["-c", entry], { env: { PATH: `${dir}:${process.env.PATH}`, LOG: path.join(dir, "log"), POSTGRES_USER: "postgres" }, encoding: "utf8" });
    expect(out).toBe("entrypoint-continues\n");
    expect(readFileSync(path.join(dir, "log"), "utf8")).toMatch(/^psql -v ON_ERROR_STOP=1 .* -f \/etc\/n8n-bootstrap\/bootstrap\.sql\n$/);
    // A failing bootstrap stops the entrypoint instead of being skipped.
    writeFileSync(path.join(dir, "psql"), "#!/bin/sh\nexit 3\n", { mode: 0o755 });
    expect(() => execFileSync("bash", ["-c", entry], { env: { PATH: `${dir}:${process.env.PATH}`, POSTGRES_USER: "postgres" }, encoding: "utf8", stdio: "pipe" })).toThrow();
    // Its `set -eu` stays inside the subshell: the caller's unset variables remain usable.
    const lenient = execFileSync("bash", ["-c", `. "${dir}/init.sh" || true; echo "[$UNSET_IN_CALLER]"`], { env: { PATH: `${dir}:${process.env.PATH}` }, encoding: "utf8" });
    expect(lenient).toBe("[]\n");
  });
});

describe("image references from a private registry or mirror", () => {
  // Found on the first real deploy: the suite's local images (localhost/n8n-zt-e2e/postgres:17.6-bookworm)
  // were refused, and so would be any Postgres mirrored into a private registry or ECR cache.
  test.each(["localhost/n8n-zt-e2e/postgres:17.6-bookworm", "123456789012.dkr.ecr.eu-central-1.amazonaws.com/docker-hub/library/postgres:17.6", "registry.example.com:5000/postgres:17.6-alpine"])(
    "%s is a pinned Postgres",
    (ref) => {
      const raw = rawDevConfig();
      raw.images.postgres = ref;
      expect(devConfig(raw).images.postgres).toBe(ref);
    },
  );
  test("a floating Postgres tag is still refused wherever the image lives", () => {
    const raw = rawDevConfig();
    raw.images.postgres = "localhost/mirror/postgres:17";
    expect(() => devConfig(raw)).toThrow(/images\.postgres: tag "17" is not pinned/);
  });
});

describe("plan-time checks Terraform accepts", () => {
  // Found on the first real `terraform init`: "The condition expression must refer to at least one
  // object from elsewhere in the configuration" for fileexists("<literal path>").
  test("every precondition refers to at least one object (a local, variable, resource or data source)", () => {
    const { json } = synthDev();
    const containers = Object.values((json as any).resource.docker_container as Record<string, any>);
    const conditions = containers.flatMap((c) => (c.lifecycle?.precondition ?? []).map((p: any) => p.condition as string));
    expect(conditions.length).toBeGreaterThan(5);
    for (const c of conditions) expect(c).toMatch(/\$\{[^}]*\b(local|var|data|docker_[a-z_]+)\.[A-Za-z_]/);
  });
});

describe("n8n on a read-only root", () => {
  // Found on the first real deploy: n8n writes the editor's static assets to ~/.cache/n8n/public at
  // start and crashed with ENOENT on the read-only root.
  test("~/.cache is a tmpfs owned by runAs; the root stays read-only", () => {
    const { model } = synthDev();
    const main = model.containers.find((c) => c.name === "n8n-main")!;
    expect(main.readOnlyRoot).toBe(true);
    expect((main.raw.tmpfs as Record<string, string>)["/home/node/.cache"]).toBe("rw,noexec,nosuid,size=128m,mode=0700,uid=1000,gid=1000");
  });
});

describe("plans stay idempotent", () => {
  // Found on the second plan after a real apply: the provider reads cpus back as "1.0", so the
  // configured "1" replaced n8n and Postgres on every plan.
  test("cpus are written the way the provider reads them back", () => {
    const { json } = synthDev();
    const cpus = Object.values((json as any).resource.docker_container as Record<string, any>).map((c) => [c.name, c.cpus]);
    expect(Object.fromEntries(cpus)).toEqual({
      "n8n-socket-proxy": "0.2",
      "n8n-traefik": "0.5",
      "n8n-idp": "0.25",
      "n8n-oauth2-proxy": "0.25",
      "n8n-postgres": "1.0",
      "n8n-main": "1.0",
      "n8n-runners": "1.0",
    });
  });
  test.each([["1", "1.0"], ["2", "2.0"], ["0.5", "0.5"], ["1.50", "1.5"], ["0.125", "0.125"], ["0.01", "0.01"]])("canonicalCpus(%s) = %s", (input, out) => {
    expect(canonicalCpus(input)).toBe(out);
  });
});

describe("plans stay idempotent: the forms Docker reports back", () => {
  // Found on the second plan after a real apply: Docker reports CAP_SETUID for SETUID (the socket
  // proxy was replaced on every apply) and the provider reads 60s back as 1m0s.
  test("added capabilities carry the CAP_ prefix", () => {
    const { json } = synthDev();
    const proxy = Object.values((json as any).resource.docker_container as Record<string, any>).find((c) => c.name === "n8n-socket-proxy");
    expect(proxy.capabilities).toEqual({ add: ["CAP_SYS_CHROOT"], drop: ["ALL"] });
  });
  test("healthcheck durations are in Go's duration format", () => {
    const { json } = synthDev();
    for (const c of Object.values((json as any).resource.docker_container as Record<string, any>)) {
      for (const k of ["interval", "timeout", "start_period"]) expect([c.name, k, c.healthcheck[k]]).toEqual([c.name, k, expect.stringMatching(/^(\d+h)?(\d+m)?\d+s$/)]);
      if (c.name === "n8n-main") expect(c.healthcheck.start_period).toBe("1m0s");
    }
  });
  test.each([["60s", "1m0s"], ["30s", "30s"], ["90s", "1m30s"], ["1h", "1h0m0s"], ["2m", "2m0s"], ["0s", "0s"]])("canonicalDuration(%s) = %s", (input, out) => {
    expect(canonicalDuration(input)).toBe(out);
  });
});

describe("n8n calls nobody home", () => {
  // Found while building the deploy suite's n8n image: 2.41 fetches an MCP registry from
  // api.n8n.io at start and every 8 hours even with diagnostics, templates and version checks off.
  test("the MCP registry module is disabled next to the other call-home switches", () => {
    const { model } = synthDev();
    expect(model.containers.find((c) => c.name === "n8n-main")!.env).toMatchObject({
      N8N_DISABLED_MODULES: "mcp-registry",
      N8N_DIAGNOSTICS_ENABLED: "false",
      N8N_VERSION_NOTIFICATIONS_ENABLED: "false",
      N8N_TEMPLATES_ENABLED: "false",
    });
  });
});

describe("signing in through a real browser", () => {
  // Found by sso.sign-in: oauth2-proxy's default approval_prompt=force made Dex show its consent
  // page on every sign-in although the dev config sets skipApprovalScreen.
  test("oauth2-proxy lets the IdP decide about consent (approval_prompt=auto, not oauth2-proxy's force)", () => {
    const { json } = synthDev();
    const sso = (Object.values(json.resource!.docker_container) as any[]).find((c) => c.name === "n8n-oauth2-proxy");
    expect(sso.command).toContain("--approval-prompt=auto");
    expect(sso.command.filter((a: string) => /^--(approval-)?prompt=/.test(a))).toEqual(["--approval-prompt=auto"]);
  });

  // Found by sso.session-refresh: without offline_access Dex issues no refresh token, so once
  // cookie-refresh had passed oauth2-proxy could only re-validate the ID token, and the session
  // ended with Dex's 1 h ID token instead of lasting cookie-expire (8 h).
  test("oauth2-proxy asks for a refresh token (offline_access), so sessions are refreshed, not ended, at cookie-refresh", () => {
    const scopeOf = (json: any) => (Object.values(json.resource!.docker_container) as any[]).find((c) => c.name === "n8n-oauth2-proxy").command.find((a: string) => a.startsWith("--scope="));
    expect(scopeOf(synthDev().json).split("=")[1].split(" ")).toEqual(expect.arrayContaining(["openid", "offline_access"]));
    const raw = rawDevConfig();
    raw.sso.offlineAccess = false;
    expect(scopeOf(synthDev(devConfig(raw)).json)).not.toContain("offline_access");
  });

  test("Dex's ID-token lifetime comes from devIdp.idTokenLifetime (1h by default)", () => {
    const base = { dir: "/nonexistent", domain: "localhost", n8nHost: "n8n.localhost", authHost: "auth.localhost", issuerUrl: "https://auth.localhost/dex", clientId: "n8n", redirectUrl: "https://n8n.localhost/oauth2/callback", demoUserEmail: "demo@example.com", demoUserName: "Demo" };
    expect(JSON.parse(renderDexConfig(base, "s", "h")).expiry.idTokens).toBe("1h");
    expect(JSON.parse(renderDexConfig({ ...base, idTokenLifetime: "60s" }, "s", "h")).expiry.idTokens).toBe("60s");
    expect(devConfig().devIdp?.idTokenLifetime).toBe("1h");
  });

  // Found by sso.session-refresh too: oauth2-proxy answers Traefik's auth request with the
  // refreshed session cookie, and forwardAuth drops it unless addAuthCookiesToResponse names it;
  // the browser kept the old session, whose refresh token Dex had rotated, and was signed out.
  test("Traefik copies the refreshed session cookie (and its split parts) from oauth2-proxy's answer to the browser", () => {
    const { json } = synthDev();
    const sso = (Object.values(json.resource!.docker_container) as any[]).find((c) => c.name === "n8n-oauth2-proxy");
    const label = sso.labels.find((l: any) => l.label === "traefik.http.middlewares.n8n-sso.forwardauth.addAuthCookiesToResponse");
    expect(label?.value.split(",")).toEqual(["__Host-n8n-sso", "__Host-n8n-sso_0", "__Host-n8n-sso_1", "__Host-n8n-sso_2", "__Host-n8n-sso_3"]);
    expect(sso.command).toContain("--cookie-name=__Host-n8n-sso");
  });
});
