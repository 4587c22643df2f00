import { dexConfig, lowerKeys } from "../../component-config";
import { Rule } from "../../rule";
import { goDurationSeconds } from "./helpers";
import { componentRule } from "./helpers";

/*
 * Dex v2.44 (the dev IdP). Its config file holds the client secret and password hashes, so this
 * project writes it into the secrets folder (npm run secrets:dev), not into the plan; the rules
 * read it when a stack does put it in the plan, and `dexConfigProblems` is what the dev-secrets
 * tests run on the generated file.
 */

const LOOPBACK_HOST = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/i;

/**
 * What weakens a Dex config: plain-HTTP redirect URIs, public clients, implicit flows, token
 * lifetimes. Keys are read case-insensitively, as Dex (encoding/json) does.
 */
export function dexConfigProblems(input: Record<string, any>): { redirects: string[]; flows: string[] } {
  const doc = lowerKeys(input) as Record<string, any>;
  const redirects: string[] = [];
  const flows: string[] = [];
  for (const client of Array.isArray(doc.staticclients) ? doc.staticclients : []) {
    const id = String(client?.id ?? "(no id)");
    for (const uri of Array.isArray(client?.redirecturis) ? client.redirecturis.map(String) : []) {
      let url: URL | undefined;
      try {
        url = new URL(uri);
      } catch {
        redirects.push(`client ${id}: redirect URI ${uri} is not a URL`);
        continue;
      }
      // Dex compares redirect URIs as exact strings, so a `*` is inert; plain HTTP is not.
      if (url.protocol === "http:" && !LOOPBACK_HOST.test(url.hostname)) redirects.push(`client ${id}: redirect URI ${uri} is plain HTTP`);
    }
    if (client?.public === true) flows.push(`client ${id} is public (no client secret)`);
  }
  const types: string[] = Array.isArray(doc.oauth2?.responsetypes) ? doc.oauth2.responsetypes.map(String) : ["code"];
  // Dex checks each space-separated response type of a request on its own, so only the bare
  // `token` and `id_token` entries turn the implicit flow on ("code id_token" alone never matches).
  const implicit = types.filter((t) => t === "token" || t === "id_token");
  if (implicit.length > 0) flows.push(`oauth2.responseTypes allows the implicit flow (${implicit.join(", ")})`);
  const idTokens = typeof doc.expiry?.idtokens === "string" ? goDurationSeconds(doc.expiry.idtokens) : undefined;
  if (idTokens !== undefined && idTokens > 24 * 3600) flows.push(`expiry.idTokens = ${doc.expiry.idtokens} (more than 24h)`);
  if (typeof doc.issuer === "string" && doc.issuer.startsWith("http://")) flows.push(`issuer ${doc.issuer} is plain HTTP`);
  const refresh = doc.expiry?.refreshtokens ?? {};
  if (!refresh.validifnotusedfor && !refresh.absolutelifetime) flows.push("refresh tokens never expire (expiry.refreshTokens sets neither validIfNotUsedFor nor absoluteLifetime)");
  return { redirects, flows };
}

export const DexRedirectUris = componentRule({
  id: "ZT-IDP-001",
  level: "error",
  component: "dex",
  cause: "The IdP sends authorization codes to plain-HTTP redirect URIs",
  explanation:
    "An authorization code goes wherever the client's registered redirect URI says; Dex matches it as an exact string " +
    "(no wildcards), but accepts http:// when listed, which sends the code in clear to anyone on the path. Register the " +
    "exact https:// callback of oauth2-proxy (https://<n8n host>/oauth2/callback).",
  settings: [["staticClients[].redirectURIs", "exact https:// URLs (loopback http only for local tools)"]],
  check: (c) => {
    const doc = dexConfig(c);
    return doc ? dexConfigProblems(doc).redirects : undefined;
  },
});

export const DexFlows = componentRule({
  id: "ZT-IDP-002",
  level: "warning",
  component: "dex",
  cause: "The IdP allows public clients, the implicit flow, long-lived tokens or a plain-HTTP issuer",
  explanation:
    "oauth2-proxy is a confidential client using the code flow with PKCE. Public clients (no secret) and the implicit flow " +
    "(tokens in the URL fragment) exist for browser apps and only widen what a leaked URL gives away; ID tokens valid for " +
    "more than a day outlive the session they back; an http:// issuer puts tokens on the wire in clear.",
  settings: [
    ["staticClients[].public", "false (the default)"],
    ["oauth2.responseTypes", "[code] (the default)"],
    ["expiry.idTokens", "24h (the default) or less"],
    ["issuer", "an https:// URL"],
    ["expiry.refreshTokens.validIfNotUsedFor / absoluteLifetime", "set (by default refresh tokens never expire)"],
  ],
  check: (c) => {
    const doc = dexConfig(c);
    return doc ? dexConfigProblems(doc).flows : undefined;
  },
});

export const DEX_RULES: readonly Rule[] = [DexRedirectUris, DexFlows];
