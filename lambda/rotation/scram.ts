import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * A SCRAM-SHA-256 verifier as Postgres stores it (`SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>`).
 * `ALTER ROLE … PASSWORD '<verifier>'` stores it as is, so the plaintext password never reaches
 * the server, its logs or pg_stat_statements. Passwords here are ASCII alphanumerics, which
 * SASLprep leaves unchanged.
 */
export function scramSha256Verifier(password: string, iterations = 4096, salt = randomBytes(16)): string {
  if (!/^[\x21-\x7e]+$/.test(password)) throw new Error("password must be printable ASCII (SASLprep is not implemented)");
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}
