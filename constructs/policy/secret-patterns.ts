import { secretLeakProblem } from "../common/hardened-container";

/*
 * What a secret looks like in a plan. Names: the project's own list (hardened-container) plus
 * common cloud credential names. Values: key material, credentials in URLs, well-known token
 * formats and password hashes. A `_FILE` name pointing at a file is the safe form and never matches.
 */

const EXTRA_SECRET_NAME = /(ACCESS_KEY|SECRET_KEY|SECRET_ACCESS_KEY|AUTH_KEY|SIGNING_KEY|PASS|PWD|PASSPHRASE|CLIENT_SECRET|COOKIE_SECRET|DSN)$/i;

const SECRET_VALUE: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bsk-[A-Za-z0-9_-]{20,}/, "an API secret key (sk-...)"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JWT"],
  [/\$(2[aby]|apr1|argon2id?|6|5)\$[^\s"',]{8,}/, "a password hash"],
];

/** Why `name=value` would put a secret into the plan, or undefined when it looks safe. */
export function secretProblem(name: string, value: string): string | undefined {
  if (value === "") return undefined;
  const own = secretLeakProblem(name, value);
  if (own) return own;
  const normalized = name.replace(/[^A-Za-z0-9]+/g, "_");
  if (EXTRA_SECRET_NAME.test(normalized) && value !== "" && !/^(true|false|\d+)$/i.test(value)) return `"${name}" looks like a secret; pass it as a file instead of a value`;
  return secretValueProblem(value, name);
}

/** One pass over a value for the common case: nothing that looks like a secret. */
const ANY_SECRET_VALUE = new RegExp(SECRET_VALUE.map(([re]) => `(?:${re.source})`).join("|"), "i");

/** Why a value (from anywhere: a file, a command argument) looks like key material, or undefined. */
export function secretValueProblem(value: string, where = "value"): string | undefined {
  if (value.length < 8 || !ANY_SECRET_VALUE.test(value)) return undefined;
  const hit = SECRET_VALUE.find(([re]) => re.test(value));
  return hit ? `"${where}" contains what looks like ${hit[1]}` : undefined;
}
