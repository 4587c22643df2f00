import { Testing, TerraformStack } from "cdktf";
import { Container } from "@cdktf/provider-docker/lib/container";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { SECRET_VALUES, secretLeakProblem } from "../../constructs/common/secret-patterns";
import { ValidationError } from "../../constructs/common/validation";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { SecretValues } from "../../constructs/policy/rules/docker/zt-sec-001-secret-values";
import { run } from "../policy/harness";

/** One example per value pattern, and names that are secrets by themselves. */
const LEAKS: [string, string, string][] = [
  ["a private key", "TLS_KEY", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE"],
  ["a URL with a password", "DATABASE_URL", "postgres://n8n:hunter2@db/n8n"],
  ["an AWS access key id", "AWS_KEY_ID", "AKIAABCDEFGHIJKLMNOP"],
  ["a temporary AWS access key id", "AWS_KEY_ID", "ASIAABCDEFGHIJKLMNOP"],
  ["a GitHub token", "GH", `ghp_${"a".repeat(36)}`],
  ["a Slack token", "SLACK", "xoxb-1234567890-abcdef"],
  ["an API secret key (sk-...)", "OPENAI", `sk-${"A".repeat(24)}`],
  ["a JWT", "ID", `eyJ${"a".repeat(12)}.eyJ${"b".repeat(12)}.${"c".repeat(12)}`],
  ["a password hash", "HASH", "$2b$10$abcdefghijklmnopqrstuv"],
  ["a secret name (project list)", "N8N_RUNNERS_AUTH_TOKEN", "abc"],
  ["a secret name (cloud list)", "SMTP_PASS", "abc"],
];
const SAFE: [string, string, string][] = [
  ["a _FILE variable", "DB_POSTGRESDB_PASSWORD_FILE", "/run/secrets/n8n-db-password"],
  ["a switch named like a credential", "ALLOW_PASS", "true"],
  ["a plain URL", "N8N_WEBHOOK_URL", "https://n8n.example.com/"],
];

function hardened(env: Record<string, string>): void {
  const stack = new TerraformStack(Testing.app(), "t");
  const networks = new SegmentedNetworks(stack, "Net", { prefix: "t" });
  new HardenedContainer(stack, "C", { name: "t-c", image: "alpine:3.22.1", networks: [{ network: networks.app }], memoryMb: 64, env, healthcheck: { test: ["CMD", "true"] } });
}

/** ZT-SEC-001's findings on a plain docker_container (no construct in between to refuse it). */
function policyFindings(env: Record<string, string>) {
  const stack = new TerraformStack(Testing.app(), "t");
  new Container(stack, "C", { name: "t-c", image: "alpine:3.22.1", env: Object.entries(env).map(([k, v]) => `${k}=${v}`) });
  return run(SecretValues, JSON.parse(Testing.synth(stack)));
}

describe("one list of secret patterns for the constructs and the policy pack", () => {
  test("every value pattern has an example here", () => {
    expect(SECRET_VALUES.map(([, what]) => what).filter((what) => !LEAKS.some(([n]) => n === what))).toEqual([]);
  });

  test.each(LEAKS)("%s: HardenedContainer refuses it and ZT-SEC-001 reports it", (_what, name, value) => {
    expect(secretLeakProblem(name, value)).toBeDefined();
    expect(() => hardened({ [name]: value })).toThrow(ValidationError);
    expect(policyFindings({ [name]: value })).toHaveLength(1);
  });

  test.each(SAFE)("%s: both accept it", (_what, name, value) => {
    expect(secretLeakProblem(name, value)).toBeUndefined();
    expect(() => hardened({ [name]: value })).not.toThrow();
    expect(policyFindings({ [name]: value })).toEqual([]);
  });
});
