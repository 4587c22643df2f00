import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { queueModeCatalog, RUNTIME_CATALOG } from "../../constructs/app/service-catalog";
import { checkDevSecrets, generateDevSecrets } from "../../constructs/common/dev-secrets";
import { QUEUE_SECRET_FILES } from "../../constructs/common/secret-files";
import { devSecretsOptions } from "../helpers/dev-secrets-options";

/* Queue mode's Valkey login in the dev generator: the password for n8n, the ACL file for Valkey, made to agree. */

const secrets = queueModeCatalog(RUNTIME_CATALOG, { workers: 2, webhookProcessors: 1 }).secrets;
const root = mkdtempSync(path.join(os.tmpdir(), "zt-secrets-queue-"));
const dir = path.join(root, "dev");
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = devSecretsOptions(dir, { extraSans: ["n8n-postgres", "n8n-valkey"], secrets });
const first = generateDevSecrets(opts);
const read = (f: string) => readFileSync(path.join(dir, f), "utf8");

test("writes Valkey's password (0600, no newline) and an ACL file with its sha256, the default user off, and no clear password", () => {
  expect(first.created).toEqual(expect.arrayContaining([QUEUE_SECRET_FILES.valkeyPassword, QUEUE_SECRET_FILES.valkeyAcl]));
  const pw = read(QUEUE_SECRET_FILES.valkeyPassword);
  expect(pw).toMatch(/^[A-Za-z0-9]{32}$/);
  const acl = read(QUEUE_SECRET_FILES.valkeyAcl);
  expect(acl).toContain("user default off");
  expect(acl).toContain(`user n8n on #${createHash("sha256").update(pw).digest("hex")} `);
  expect(acl).not.toContain(pw);
  expect(acl).not.toMatch(/\+@all|allkeys|~\*/);
  for (const f of Object.values(QUEUE_SECRET_FILES)) expect(statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
  expect(checkDevSecrets(dir, secrets)).toEqual([]);
});

test("keeps both on a re-run, remakes a deleted ACL file from the kept password, and --check names an ACL file that does not match", () => {
  const pw = read(QUEUE_SECRET_FILES.valkeyPassword);
  unlinkSync(path.join(dir, QUEUE_SECRET_FILES.valkeyAcl));
  const again = generateDevSecrets(opts);
  expect(again.kept).toContain(QUEUE_SECRET_FILES.valkeyPassword);
  expect(again.created).toEqual([QUEUE_SECRET_FILES.valkeyAcl]);
  expect(read(QUEUE_SECRET_FILES.valkeyPassword)).toBe(pw);
  writeFileSync(path.join(dir, QUEUE_SECRET_FILES.valkeyAcl), "user default on nopass ~* +@all\n", { mode: 0o600 });
  expect(checkDevSecrets(dir, secrets)).toEqual([expect.stringMatching(/^valkey-users\.acl: is not the ACL file for valkey-password/)]);
});

test("regular mode's generator writes no Valkey file", () => {
  const plain = path.join(root, "plain");
  const r = generateDevSecrets({ ...opts, dir: plain, secrets: RUNTIME_CATALOG.secrets });
  expect(r.created.filter((f) => f.startsWith("valkey"))).toEqual([]);
});
