import { componentOf } from "../../component-config";
import { Rule } from "../../rule";
import { ModelContainer } from "../../docker-model";
import { sharedAcrossTenants, sharedFindings } from "./roles";

/** The keys a tenant container reads: n8n's encryption key (its `_FILE` mount or the literal) and any TLS private key it mounts. */
function keysOf(c: ModelContainer): string[] {
  const keys: string[] = [];
  const keyFile = c.env.N8N_ENCRYPTION_KEY_FILE;
  if (keyFile) keys.push(...c.mounts.filter((m) => m.target === keyFile && m.source).map((m) => `n8n encryption key file ${m.source}`));
  if (c.env.N8N_ENCRYPTION_KEY && componentOf(c) === "n8n") keys.push("n8n encryption key (the same value in N8N_ENCRYPTION_KEY)");
  keys.push(...c.mounts.filter((m) => m.source && /(^|[/-])key\.pem$|\.key$/.test(m.target)).map((m) => `TLS private key ${m.source}`));
  return keys;
}

export const TenantSharedKey: Rule = {
  id: "ZT-TEN-004",
  level: "error",
  appliesTo: "docker_",
  cause: "Two tenants share a key: n8n's credential encryption key or a TLS private key",
  explanation:
    "n8n's encryption key decrypts every credential a tenant stores; with one key for two tenants a database dump of one " +
    "tenant decrypts with the other's key file, and the key can never be rotated for one alone (n8n's key does not rotate). " +
    "A TLS key two tenants' servers share lets one tenant's Postgres impersonate the other's. Every tenant gets its own " +
    "encryption key and its own Postgres certificate and key.",
  evaluate: (_stack, ctx) => sharedFindings(sharedAcrossTenants(ctx.docker, keysOf), "the"),
};
