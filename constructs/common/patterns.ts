/*
 * Formats of the values the config and the constructs take: one pattern and one message per rule.
 * `config/schema.ts` and the constructs' validators import them from here, so a config field and
 * the prop it feeds accept exactly the same values (test/common/rules.test.ts drives one table
 * through both). Names shared with SQL, Docker and Traefik (SQL_IDENTIFIER_PATTERN,
 * RESOURCE_NAME_PATTERN, HOSTNAME_PATTERN) and image references live in ./validation.
 */

/** A format: what a value must match and what to tell the user when it does not. */
export interface FormatRule {
  readonly pattern: RegExp;
  /** The problem, phrased to follow a field name ("must be ..."). */
  readonly message: string;
}

/** The rule's message with the offending value appended, as the constructs report it. */
export function formatProblem(rule: FormatRule, value: string): string | undefined {
  return rule.pattern.test(value) ? undefined : `${rule.message}, got ${JSON.stringify(value)}`;
}

// ---- AWS -------------------------------------------------------------------------------------

export const AWS_ACCOUNT_ID: FormatRule = { pattern: /^\d{12}$/, message: "must be a 12-digit AWS account id" };
/**
 * Commercial, China and GovCloud regions (`eu-central-1`, `cn-north-1`, `us-gov-west-1`): the
 * partitions this project builds ARNs for. The isolated partitions (`us-iso-east-1`) are not.
 */
export const AWS_REGION: FormatRule = { pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d$/, message: "must be an AWS region such as eu-central-1" };
export const AVAILABILITY_ZONE: FormatRule = { pattern: /^[a-z]{2}(-gov)?-[a-z]+-\d[a-z]$/, message: "must be an availability zone such as eu-central-1a" };
/** Names of AWS resources derived from a prefix (secrets, log groups, alarms, keys, the host). */
export const AWS_NAME: FormatRule = { pattern: /^[a-z][a-z0-9-]{1,40}$/, message: "must match ^[a-z][a-z0-9-]{1,40}$" };
export const AMI_ID: FormatRule = { pattern: /^ami-[0-9a-f]{8,17}$/, message: "must be an AMI id such as ami-0123456789abcdef0" };
export const INSTANCE_TYPE: FormatRule = { pattern: /^[a-z][a-z0-9-]*\.[a-z0-9]+$/, message: "must be an EC2 instance type such as t3.large" };
export const VPC_ID: FormatRule = { pattern: /^vpc-[0-9a-f]{8,17}$/, message: "must be a VPC id such as vpc-0123456789abcdef0" };
export const SUBNET_ID: FormatRule = { pattern: /^subnet-[0-9a-f]{8,17}$/, message: "must be a subnet id such as subnet-0123456789abcdef0" };
export const ROUTE_TABLE_ID: FormatRule = { pattern: /^rtb-[0-9a-f]{8,17}$/, message: "must be a route table id such as rtb-0123456789abcdef0" };
/** A Secrets Manager secret name (a name, not an ARN). */
export const SECRETS_MANAGER_NAME: FormatRule = { pattern: /^[A-Za-z0-9/_+=.@-]{1,512}$/, message: "must be 1-512 characters of letters, digits and /_+=.@-" };
/**
 * S3 bucket names: 3-63 lower-case letters, digits, dots and dashes, a letter or digit at both
 * ends, no `..`, not an IP address, and none of the prefixes and suffixes AWS reserves.
 */
export const S3_BUCKET_NAME: FormatRule = {
  pattern: /^(?!\d+\.\d+\.\d+\.\d+$)(?!.*\.\.)(?!xn--|sthree-|amzn-s3-demo-)(?!.*(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
  message: "must be a valid S3 bucket name (3-63 lower-case letters, digits, dots and dashes; a letter or digit at both ends; no .., not an IP address, no reserved prefix or suffix)",
};

// ---- Folders on the prod Docker host ---------------------------------------------------------

/**
 * A folder on the prod Docker host that cloud-init or the secrets agent creates and a container
 * mounts (the secrets folder, Traefik's ACME storage): absolute, segments of [A-Za-z0-9._-] without
 * a leading dot (so no `.`, `..` or hidden folder), no `//` and no trailing `/`, at most 200
 * characters. The names reach tmpfiles.d lines and shell, so nothing else is let through.
 */
export const HOST_DIR: FormatRule = {
  pattern: /^(?=.{2,200}$)(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)+$/,
  message: "must be an absolute path of [A-Za-z0-9._-] segments without a leading dot, at most 200 characters",
};
/** Host folders whose contents do not survive a reboot (tmpfs, or the kernel's). */
export const NOT_PERSISTENT_DIRS: readonly string[] = ["/run", "/var/run", "/tmp", "/var/tmp", "/dev", "/proc", "/sys"];

/** True when `path` is `dir` or inside it. */
export const isWithin = (path: string, dir: string): boolean => path === dir || path.startsWith(`${dir}/`);

/**
 * Why a host folder cannot hold data that must outlive a reboot (Traefik's ACME account and
 * certificates: Let's Encrypt rate-limits re-issuing them), or undefined.
 */
export function persistentHostDirProblem(dir: string): string | undefined {
  if (!HOST_DIR.pattern.test(dir)) return `${HOST_DIR.message}, got ${JSON.stringify(dir)}`;
  if (NOT_PERSISTENT_DIRS.some((d) => isWithin(dir, d))) return `must persist across reboots (not under ${NOT_PERSISTENT_DIRS.join(", ")}): Let's Encrypt rate-limits re-issuing certificates`;
  return undefined;
}

// ---- People, hosts and logins ----------------------------------------------------------------

export const EMAIL: FormatRule = {
  pattern: /^[A-Za-z0-9._%+-]{1,64}@([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
  message: "must be an email address such as ops@example.com",
};
/** A Linux login name (the host's deploy user). */
export const UNIX_USER_NAME: FormatRule = { pattern: /^[a-z_][a-z0-9_-]{0,31}$/, message: "must match ^[a-z_][a-z0-9_-]{0,31}$" };
/** One OpenSSH public key line; RSA is not accepted (ed25519 and ecdsa, also on security keys). */
export const SSH_PUBLIC_KEY: FormatRule = {
  pattern: /^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com) [A-Za-z0-9+/]+={0,3}( [A-Za-z0-9@._+-]{1,100})?$/,
  message: "must be one OpenSSH public key line (ed25519 or ecdsa; RSA is not accepted)",
};

// ---- SSO -------------------------------------------------------------------------------------

export const OIDC_CLIENT_ID: FormatRule = { pattern: /^[A-Za-z0-9._:-]{1,128}$/, message: "must be 1-128 characters of letters, digits, . _ : -" };
/** An IdP group name in the allow-list (`--allowed-group`). */
export const SSO_GROUP: FormatRule = { pattern: /^[A-Za-z0-9._:@/-]{1,128}$/, message: "must be 1-128 characters of letters, digits, . _ : @ / -" };

// ---- Host ------------------------------------------------------------------------------------

/** A systemd OnCalendar expression; it reaches a unit file, so no newline, %-specifier or quote. */
export const ON_CALENDAR: FormatRule = { pattern: /^[A-Za-z0-9*:,./~_+-]+( [A-Za-z0-9*:,./~_+-]+)*$/, message: 'must be a systemd OnCalendar expression such as "*-*-* 02:30:00 UTC"' };

// ---- Containers ------------------------------------------------------------------------------

/** A CPU limit as Docker's `--cpus` takes it, from 0.01 to 99 with at most two decimals. */
export const CPUS: FormatRule = { pattern: /^(0\.(0[1-9]|[1-9]\d?)|[1-9]\d?(\.\d{1,2})?)$/, message: "must be a CPU count from 0.01 to 99, such as 0.5 or 2" };
