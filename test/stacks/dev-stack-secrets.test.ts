import { mkdtempSync, readdirSync, readFileSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { generateDevSecrets } from "../../constructs/common/dev-secrets";
import { devConfig, rawDevConfig, synthDev } from "../helpers/synth";

function files(d: string): string[] {
  return readdirSync(d).flatMap((n) => (statSync(path.join(d, n)).isDirectory() ? files(path.join(d, n)) : [path.join(d, n)]));
}

test("no secret value appears anywhere in the synthesized dev JSON", () => {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "zt-synth-")), "secrets");
  const raw = rawDevConfig();
  raw.secretsDir = dir;
  generateDevSecrets({
    dir,
    domain: raw.domain,
    n8nHost: "n8n.localhost",
    authHost: "auth.localhost",
    issuerUrl: "https://auth.localhost/dex",
    clientId: raw.sso.clientId,
    redirectUrl: "https://n8n.localhost/oauth2/callback",
    demoUserEmail: raw.devIdp.demoUserEmail,
    demoUserName: raw.devIdp.demoUserName,
  });
  const { text } = synthDev(devConfig(raw));
  const secretFiles = files(dir).filter((f) => (!f.endsWith(".pem") || f.endsWith("key.pem")) && !f.endsWith("dex-config.yaml"));
  const secrets = secretFiles.map((f) => readFileSync(f, "utf8"));
  // The dex config is mostly public settings; its secrets are the client secret (checked as its
  // own file) and the demo user's hash.
  secrets.push(JSON.parse(readFileSync(path.join(dir, "dex-config.yaml"), "utf8")).staticPasswords[0].hash);
  expect(secrets.length).toBe(13);
  for (const s of secrets) {
    // Each whole value, and any 12-character slice of it, is absent.
    expect(text).not.toContain(s);
    for (let i = 0; i + 12 <= s.length; i += 12) expect(text).not.toContain(s.slice(i, i + 12));
  }
  // The plan refers to the secrets only by path.
  expect(text).toContain(`${dir}/n8n-encryption-key`);
});
