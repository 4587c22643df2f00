import { componentOf } from "../../component-config";
import { parseFlags } from "../../config-files";
import { ModelContainer } from "../../docker-model";
import { Rule } from "../../rule";
import { createHash } from "node:crypto";
import { sharedAcrossTenants, sharedFindings } from "./roles";

/** A short digest, so a finding never prints a secret value. */
const hashOf = (s: string) => createHash("sha256").update(s).digest("hex").slice(0, 12);

/** An oauth2-proxy's session identity: cookie name, cookie secret (file or literal), OIDC client. */
function sessionOf(c: ModelContainer): string[] {
  if (componentOf(c) !== "oauth2-proxy") return [];
  const flags = parseFlags(c.command);
  const one = (k: string) => flags.get(k)?.[flags.get(k)!.length - 1] ?? c.env[`OAUTH2_PROXY_${k.toUpperCase().replace(/-/g, "_")}`];
  const out: string[] = [];
  const name = one("cookie-name") ?? "_oauth2_proxy";
  out.push(`cookie name ${name}`);
  const secretFile = one("cookie-secret-file");
  if (secretFile) out.push(...c.mounts.filter((m) => m.target === secretFile && m.source).map((m) => `cookie secret file ${m.source}`));
  const secret = one("cookie-secret");
  // A literal secret is ZT-SEC-001's finding; here only whether two tenants use the same one.
  if (secret) out.push(`cookie secret sha256:${hashOf(secret)}`);
  const client = one("client-id");
  if (client) out.push(`OIDC client ${client}`);
  const clientSecretFile = one("client-secret-file");
  if (clientSecretFile) out.push(...c.mounts.filter((m) => m.target === clientSecretFile && m.source).map((m) => `OIDC client secret file ${m.source}`));
  return out;
}

export const TenantSharedCookie: Rule = {
  id: "ZT-TEN-005",
  level: "error",
  appliesTo: "docker_",
  cause: "Two tenants' oauth2-proxies share a cookie name, a cookie secret or an OIDC client",
  explanation:
    "oauth2-proxy trusts any session cookie its cookie secret decrypts: with one secret for two tenants, a session signed in " +
    "at tenant A is a valid session at tenant B (the allow-list is checked at sign-in, not on every request). A shared cookie " +
    "name lets one tenant's session overwrite the other's, and a shared OIDC client lets the IdP's consent and redirect " +
    "URLs of one tenant serve the other. Give every tenant its own client, cookie name (`__Host-<prefix>-sso`) and secret.",
  evaluate: (_stack, ctx) => sharedFindings(sharedAcrossTenants(ctx.docker, sessionOf), "the SSO"),
};
