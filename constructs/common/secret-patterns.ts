/*
 * What a secret looks like, in one list: HardenedContainer refuses it in env, labels and uploaded
 * files, and the policy pack (ZT-SEC-001/002, ZT-LMB-004, ZT-EC2-005) detects it in any plan.
 * Names: the project's own list plus common cloud credential names. Values: key material,
 * credentials in URLs, well-known token formats and password hashes. A `_FILE` name pointing at a
 * file is the safe form and never matches.
 */

/** Env/label names that carry secrets when set directly; their `_FILE` variants are fine. */
export const SECRET_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|PRIVATE_KEY|ENCRYPTION_KEY|API_KEY|CREDENTIALS?)$/i;
/** Further credential names (cloud SDKs, DSNs); a boolean or a number is not taken for a secret. */
export const EXTRA_SECRET_NAME = /(ACCESS_KEY|SECRET_KEY|SECRET_ACCESS_KEY|AUTH_KEY|SIGNING_KEY|PASS|PWD|PASSPHRASE|CLIENT_SECRET|COOKIE_SECRET|DSN)$/i;

/** Values that are secrets wherever they appear, with what each one is. */
export const SECRET_VALUES: readonly (readonly [RegExp, string])[] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a private key"],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i, "a URL with a password"],
  [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/, "an AWS access key id"],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, "a GitHub token"],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}/, "a Slack token"],
  [/\bsk-[A-Za-z0-9_-]{20,}/, "an API secret key (sk-...)"],
  [/\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, "a JWT"],
  [/\$(2[aby]|apr1|argon2id?|6|5)\$[^\s"',]{8,}/, "a password hash"],
];

/** One pass over a value for the common case: nothing that looks like a secret. */
const ANY_SECRET_VALUE = new RegExp(SECRET_VALUES.map(([re]) => `(?:${re.source})`).join("|"), "i");

/** What a value looks like when it is key material or a credential ("a private key"), or undefined. */
export function secretValueKind(value: string): string | undefined {
  if (value.length < 8 || !ANY_SECRET_VALUE.test(value)) return undefined;
  return SECRET_VALUES.find(([re]) => re.test(value))?.[1];
}

/** Why a value (from anywhere: a file, a command argument) looks like key material, or undefined. */
export function secretValueProblem(value: string, where = "value"): string | undefined {
  const kind = secretValueKind(value);
  return kind ? `"${where}" contains what looks like ${kind}` : undefined;
}

/**
 * Why `name=value` in a container's env or labels would leak a secret, or undefined when it is
 * safe. HardenedContainer refuses what this names, and the policy pack reports the same.
 */
export function secretLeakProblem(name: string, value: string): string | undefined {
  if (SECRET_NAME.test(name) && value !== "") {
    return `"${name}" looks like a secret; pass it as a file (${name}_FILE=/run/secrets/...) instead of a value`;
  }
  const kind = secretValueKind(value);
  if (kind) return `"${name}" has a value that looks like key material or an inline credential (${kind})`;
  const normalized = name.replace(/[^A-Za-z0-9]+/g, "_");
  if (EXTRA_SECRET_NAME.test(normalized) && value !== "" && !/^(true|false|\d+)$/i.test(value)) return `"${name}" looks like a secret; pass it as a file instead of a value`;
  return undefined;
}
