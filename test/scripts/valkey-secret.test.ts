import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { renderValkeyAcl, valkeyPasswordProblem } from "../../constructs/common/valkey-acl";
import { REPO_ROOT } from "../helpers/synth";

/*
 * npm run -s secret:valkey: the value of prod's `valkey` secret, {password, acl}, whose ACL admits
 * exactly that password (by its sha256), as the host agent splits it into the two files.
 */
const run = (args: string[], input?: string) => spawnSync(process.execPath, ["scripts/run-ts.cjs", "scripts/valkey-secret.ts", ...args], { cwd: REPO_ROOT, encoding: "utf8", input, timeout: 60_000 });
const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

describe("npm run -s secret:valkey", () => {
  test("a new random password and the ACL file for it; nothing else on stdout or stderr", () => {
    const a = run([]);
    const b = run([]);
    expect([a.status, a.stderr]).toEqual([0, ""]);
    const va = JSON.parse(a.stdout);
    const vb = JSON.parse(b.stdout);
    expect(Object.keys(va).sort()).toEqual(["acl", "password"]);
    expect(valkeyPasswordProblem(va.password)).toBeUndefined();
    expect(va.password).not.toBe(vb.password);
    expect(va.acl).toBe(renderValkeyAcl(sha(va.password)));
    // The ACL holds the hash only, never the password.
    expect(va.acl).not.toContain(va.password);
    expect(va.acl).toMatch(/^user default off /m);
  });

  test("--password-stdin: the ACL for a password you have (one trailing newline dropped)", () => {
    const pw = "k3y-Of-Thirty-Two-Characters-xx!";
    const r = run(["--password-stdin"], `${pw}\n`);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ password: pw, acl: renderValkeyAcl(sha(pw)) });
  });

  test.each([
    ["too short", "short-password", /the password on standard input must be 24 to 512 characters \(got 14\)/],
    ["a space", "a password with spaces in it, long enough", /printable ASCII without spaces/],
  ])("--password-stdin refuses %s, printing no value", (_what, pw, message) => {
    const r = run(["--password-stdin"], pw);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
    expect(r.stderr).not.toContain(pw);
  });
});
