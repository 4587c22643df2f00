import { Token } from "cdktf";

/**
 * One problem with one prop or config field. Validation collects every problem and
 * throws them together, so a user fixes a config in one pass instead of one error per run.
 */
export interface ValidationProblem {
  /** Dotted path of the field, e.g. `images.n8n` or `N8n.memoryMb`. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
}

/** Thrown for invalid props or config. `runApp` / `explainUserErrors` print `message` without a stack trace. */
export class ValidationError extends Error {
  public readonly problems: readonly ValidationProblem[];
  constructor(subject: string, problems: readonly ValidationProblem[]) {
    super(`${subject}:\n${problems.map((p) => `  - ${p.field}: ${p.message}`).join("\n")}`);
    this.name = "ValidationError";
    this.problems = problems;
  }
}

/** Collects problems, then throws one ValidationError naming all of them. */
export class Validator {
  private readonly problems: ValidationProblem[] = [];
  constructor(private readonly subject: string) {}

  public add(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  /** Records a problem when `ok` is false. Unresolved tokens must be skipped by the caller. */
  public check(ok: boolean, field: string, message: string): void {
    if (!ok) this.add(field, message);
  }

  public throwIfAny(): void {
    if (this.problems.length > 0) throw new ValidationError(this.subject, this.problems);
  }
}

/** True when a value is a cdktf token that resolves only at synth/apply time: never guessed at. */
export function isUnresolved(value: unknown): boolean {
  return typeof value === "string" ? Token.isUnresolved(value) : typeof value === "number" && Token.isUnresolved(value);
}

/**
 * Identifiers that reach SQL, Docker names, Traefik labels or shell: lower-case letter first,
 * then lower-case letters, digits and `_`, at most 63 bytes (Postgres' NAMEDATALEN - 1).
 * Quoting is still applied where they are used; this pattern is the first line of defence.
 */
export const SQL_IDENTIFIER_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;
export const SQL_IDENTIFIER_RULE = "must match ^[a-z][a-z0-9_]{0,62}$ (lower-case letter, then lower-case letters, digits or _; at most 63 characters)";

/** Docker object names and Traefik router/middleware name prefixes derived from construct ids. */
export const RESOURCE_NAME_PATTERN = /^[a-z][a-z0-9-]{0,39}$/;
export const RESOURCE_NAME_RULE = "must match ^[a-z][a-z0-9-]{0,39}$ (lower-case letter, then lower-case letters, digits or -; at most 40 characters)";

/**
 * An image reference is pinned when its tag names an exact release (`3.7.2`, `v7.15.3`,
 * `17.6-alpine`, `2.41.3`) or it carries a digest. Floating tags (`latest`, `stable`, `3`,
 * `v3`, no tag) are rejected: a redeploy must not silently change the software.
 */
const PINNED_TAG = /^v?\d+\.\d+\.\d+(\.\d+)*([-+._][A-Za-z0-9._-]+)?$/;
/** Projects whose releases are numbered major.minor (Postgres 10+): there `17.6` is exact. */
const TWO_PART_RELEASES = new Set(["postgres", "postgis/postgis", "bitnami/postgresql"]);
const PINNED_TWO_PART_TAG = /^v?\d+\.\d+(\.\d+)*([-+._][A-Za-z0-9._-]+)?$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;
const IMAGE_NAME = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$/;

export function imageRefProblem(ref: string): string | undefined {
  if (DIGEST.test(ref)) {
    return IMAGE_NAME.test(ref.replace(DIGEST, "").replace(/:[^/:]+$/, "")) ? undefined : `"${ref}" is not a valid image reference`;
  }
  const slash = ref.lastIndexOf("/");
  const colon = ref.lastIndexOf(":");
  if (colon <= slash) return `"${ref}" has no tag; pin an exact version tag (e.g. name:1.2.3) or a digest (name@sha256:...)`;
  const name = ref.slice(0, colon);
  const tag = ref.slice(colon + 1);
  if (!IMAGE_NAME.test(name)) return `"${ref}" is not a valid image reference`;
  // Postgres is released as major.minor wherever the image is kept (Docker Hub, a private mirror
  // such as localhost/... or an ECR pull-through cache), so the repository's trailing path decides.
  const repo = name.replace(/^(docker\.io\/)?(library\/)?/, "");
  const twoPart = [...TWO_PART_RELEASES].some((r) => repo === r || repo.endsWith(`/${r}`));
  if (!(twoPart ? PINNED_TWO_PART_TAG : PINNED_TAG).test(tag)) {
    return `tag "${tag}" is not pinned; use an exact version tag such as 1.2.3 or v1.2.3 (postgres: 17.6-alpine), or a digest (name@sha256:...); floating tags like latest, stable or a bare major are not allowed`;
  }
  return undefined;
}

/** DNS host name (RFC 1123 labels), lower case, at least one dot or the `localhost` family. */
export const HOSTNAME_PATTERN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export function isHostname(value: string): boolean {
  return HOSTNAME_PATTERN.test(value);
}

/** Zones every runtime accepts, whether or not its ICU lists them (Node 20 lists neither). */
const ALWAYS_ZONES = ["UTC", "Etc/UTC"];
const ZONE_EXAMPLES = "UTC, Etc/UTC, Europe/Berlin, America/New_York or Asia/Tokyo";
/** A segment of an alias as IANA spells them (Kolkata, Port-au-Prince, US, EST5EDT, GMT+5). */
const ZONE_ALIAS_SEGMENT = /^([A-Z][a-z]+([_-][A-Za-z][a-z]*)*|[A-Z]{2,4}|[A-Z]{3}\d[A-Z]{3}|GMT[+-]\d{1,2})$/;
let zoneList: Set<string> | undefined;

/** The runtime's canonical zone, or undefined when its ICU does not know the name. */
function resolveZone(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * Why `name` is not a time zone this runtime knows; undefined when it is one. Accepted: the
 * runtime's list (`Intl.supportedValuesOf("timeZone")`), UTC and Etc/UTC, and IANA aliases the
 * runtime maps onto a zone of that list, spelled as IANA spells them (Node 20's ICU lists
 * Asia/Calcutta and Europe/Kiev, so Asia/Kolkata and Europe/Kyiv come in as aliases). Names are
 * case-sensitive: the container's TZ is a file name under /usr/share/zoneinfo.
 */
export function timeZoneProblem(name: string): string | undefined {
  if (typeof name !== "string" || name.length === 0) return `must be a time zone such as ${ZONE_EXAMPLES}`;
  zoneList ??= new Set([...Intl.supportedValuesOf("timeZone"), ...ALWAYS_ZONES]);
  if (zoneList.has(name)) return undefined;
  const resolved = resolveZone(name);
  const aliasOfListed = resolved !== undefined && (zoneList.has(resolved) || resolved.startsWith("Etc/"));
  if (aliasOfListed && name.split("/").every((s) => ZONE_ALIAS_SEGMENT.test(s)) && name.toLowerCase() !== resolved.toLowerCase()) return undefined;
  if (aliasOfListed && name === resolved) return undefined;
  const hint = resolved !== undefined ? `; did you mean ${resolved}? (names are case-sensitive)` : "";
  return `"${name}" is not in this runtime's time-zone list (Intl.supportedValuesOf("timeZone"), plus UTC and Etc/UTC)${hint}; allowed: IANA names such as ${ZONE_EXAMPLES}`;
}

/** Whether a dotted version (as numbers) is at least `min`; missing parts count as 0. */
export function versionAtLeast(version: readonly number[], min: readonly number[]): boolean {
  for (let i = 0; i < min.length; i++) {
    const a = version[i] ?? 0;
    if (a !== min[i]) return a > min[i];
  }
  return true;
}
