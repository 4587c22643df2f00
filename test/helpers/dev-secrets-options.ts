import { DevSecretsOptions } from "../../constructs/common/dev-secrets";

/** The options `npm run secrets:dev` derives from config/dev.json, for a secrets folder `dir`; the tests override what they vary. */
export function devSecretsOptions(dir: string, overrides: Partial<DevSecretsOptions> = {}): DevSecretsOptions {
  return {
    dir,
    domain: "localhost",
    n8nHost: "n8n.localhost",
    authHost: "auth.localhost",
    issuerUrl: "https://auth.localhost/dex",
    clientId: "n8n-oauth2-proxy",
    redirectUrl: "https://n8n.localhost/oauth2/callback",
    demoUserEmail: "demo@example.com",
    demoUserName: "Demo User",
    extraSans: ["n8n-postgres"],
    ...overrides,
  };
}
