/*
 * The value of prod's `valkey` secret (queue mode): JSON {password, acl}, where acl is Valkey's ACL
 * file for that password (only its sha256 is in it: constructs/common/valkey-acl.ts). The host
 * agent writes `valkey-password` for n8n's processes and `valkey-users.acl` for Valkey from it.
 *   put valkey "$(npm run -s secret:valkey)"                              # a new random password
 *   printf %s "$PW" | npm run -s secret:valkey -- --password-stdin        # the ACL for a password you have
 * It prints a secret, so it refuses to print to a terminal: pipe it or capture it.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { valkeyAclForPassword, valkeyPasswordProblem } from "../constructs/common/valkey-acl";
import { parseArgs, usageError } from "./lib/args.cjs";

const USAGE = "usage: npm run -s secret:valkey -- [--password-stdin]";
const { options } = parseArgs(process.argv.slice(2), { usage: USAGE, options: { "password-stdin": { type: "boolean" } } });

if (process.stdout.isTTY) usageError(USAGE, "this prints a secret value: capture it (put valkey \"$(npm run -s secret:valkey)\") or pipe it, never to a terminal");
let password: string;
if (options["password-stdin"]) {
  // One trailing newline (echo, a file) is not part of the password.
  password = readFileSync(0, "utf8").replace(/\r?\n$/, "");
  const problem = valkeyPasswordProblem(password);
  if (problem) {
    console.error(`the password on standard input ${problem}`);
    process.exit(1);
  }
} else {
  password = randomBytes(32).toString("hex");
}
process.stdout.write(JSON.stringify({ password, acl: valkeyAclForPassword(password) }));
