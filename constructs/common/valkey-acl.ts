import { createHash } from "node:crypto";

/*
 * Valkey's ACL file for n8n's queue mode: one source for the dev generator, the Valkey construct
 * and the checks (no construct import, so the secrets script stays light).
 */

/** The ACL user n8n logs in as (`QUEUE_BULL_REDIS_USERNAME`). */
export const VALKEY_N8N_USER = "n8n";
/** What n8n's queue user may do (keys, channels, commands): one source for the Docker runtime's ACL file and ElastiCache's access string. */
export const VALKEY_N8N_ACCESS = "~bull:* ~n8n:* &bull:* &n8n:* -@all +@read +@write +@keyspace +@list +@hash +@set +@sortedset +@string +@scripting +@pubsub +@transaction +@connection +@fast +@slow +@blocking -@dangerous -@admin";
/** A user that may only `PING` (the container's healthcheck); `nopass`, so no secret is in the healthcheck. */
export const VALKEY_HEALTH_USER = "health";

/**
 * Valkey's ACL file for n8n (research memo §4.3, verified on valkey 8.1.1 with Bull 4.16.4):
 * the `default` user off, a health user that may only `PING`, and n8n's user on its own key and
 * channel prefixes (`bull:*` for Bull, `n8n:*` for n8n's cache, locks and pub/sub) with every
 * category it uses and nothing `@dangerous` or `@admin`. Only the password's sha256 is in it.
 */
export function renderValkeyAcl(passwordSha256Hex: string): string {
  if (!/^[0-9a-f]{64}$/.test(passwordSha256Hex)) throw new Error("renderValkeyAcl: expected the lower-case hex sha256 of the password");
  return [
    "user default off resetkeys resetchannels -@all",
    `user ${VALKEY_HEALTH_USER} on nopass resetkeys resetchannels -@all +ping`,
    `user ${VALKEY_N8N_USER} on #${passwordSha256Hex} resetkeys resetchannels ${VALKEY_N8N_ACCESS}`,
    "",
  ].join("\n");
}

/** The ACL file for a clear password (dev: the generator hashes the file it just wrote). */
export function valkeyAclForPassword(password: string): string {
  return renderValkeyAcl(createHash("sha256").update(password, "utf8").digest("hex"));
}

/** What is wrong with a password for n8n's Valkey user (prod's `valkey` secret), or undefined. */
export function valkeyPasswordProblem(pw: string): string | undefined {
  if (pw.length < 24 || pw.length > 512) return `must be 24 to 512 characters (got ${pw.length})`;
  if (!/^[\x21-\x7e]+$/.test(pw)) return "must be printable ASCII without spaces (n8n reads it from a file, Valkey hashes it byte for byte)";
  return undefined;
}
