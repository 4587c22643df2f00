import { readFileSync } from "node:fs";
import path from "node:path";
import { Testing } from "cdktf";
import { parseConfig, prodConfigSchema } from "../../config/schema";
import { TENANT_AWS_RULES } from "../../constructs/policy/packs";
import { buildProdStacks } from "../../stacks/prod";
import { Json, variant } from "./fixtures";
import { describeRules, run } from "./harness";
import { REPO_ROOT } from "../helpers/synth";

/*
 * The AWS tenant rules (ZT-TEN-007, ZT-TEN-008; issue 16) on prod-cloud with two tenants, exactly as
 * main.ts builds it from config/prod.tenants.example.json: the baseline is compliant, and each
 * non-compliant fixture moves one tenant resource onto the other tenant's key or access.
 */
const synthCloud = (example: string): Json => {
  const file = path.join(REPO_ROOT, "config", example);
  const c = parseConfig(prodConfigSchema, JSON.parse(readFileSync(file, "utf8")), file);
  return JSON.parse(Testing.synth(buildProdStacks(Testing.app(), c, { s3Backend: false }).cloud));
};
const base = synthCloud("prod.tenants.example.json");
const single = synthCloud("prod.example.json");

const entry = (j: Json, type: string, pred: (id: string, body: Json) => boolean): [string, Json] => {
  const found = Object.entries<Json>(j.resource[type]).find(([id, b]) => pred(id, b));
  if (!found) throw new Error(`fixture: no ${type} matches`);
  return found;
};
const keyOf = (j: Json, t?: string) => `\${aws_kms_key.${entry(j, "aws_kms_key", (id) => (t ? id.startsWith(`Tenant-${t}_Key`) : id.startsWith("Key_")))[0]}.arn}`;
const secret = (j: Json, name: string) => entry(j, "aws_secretsmanager_secret", (_id, b) => b.name === name);
const group = (j: Json, name: string) => entry(j, "aws_cloudwatch_log_group", (_id, b) => b.name === name);
const rotationPolicy = (j: Json, t: string) => entry(j, "aws_iam_role_policy", (_id, b) => String(b.role).includes(`Tenant-${t}_Rotation`));
const secretPolicy = (j: Json, secretId: string) => entry(j, "aws_secretsmanager_secret_policy", (_id, b) => b.secret_arn === `\${aws_secretsmanager_secret.${secretId}.arn}`);
const editPolicy = (body: Json, edit: (doc: Json) => void) => {
  const doc = JSON.parse(body.policy);
  edit(doc);
  body.policy = JSON.stringify(doc);
};

describeRules(TENANT_AWS_RULES, () => base, {
  "ZT-TEN-007": {
    compliant: [["a single-tenant prod-cloud (no tenant tags)", single]],
    noncompliant: [
      [
        "tenant acme's database password on globex's key",
        variant(base, (j) => (secret(j, "n8n-prod/acme/n8n-db-password")[1].kms_key_id = keyOf(j, "globex"))),
        `aws_secretsmanager_secret.${secret(base, "n8n-prod/acme/n8n-db-password")[0]}`,
      ],
      ["tenant globex's n8n log group on the shared key", variant(base, (j) => (group(j, "/n8n-prod/globex/n8n")[1].kms_key_id = keyOf(j))), `aws_cloudwatch_log_group.${group(base, "/n8n-prod/globex/n8n")[0]}`],
    ],
  },
  "ZT-TEN-008": {
    compliant: [["a single-tenant prod-cloud (no tenant tags)", single]],
    noncompliant: [
      [
        "tenant acme's rotation role may read globex's secrets namespace",
        variant(base, (j) =>
          editPolicy(rotationPolicy(j, "acme")[1], (doc) =>
            doc.Statement.push({ Sid: "Extra", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/globex/*" }),
          ),
        ),
        `aws_iam_role_policy.${rotationPolicy(base, "acme")[0]}`,
      ],
      [
        "tenant acme's rotation role may write globex's n8n log group (by reference)",
        variant(base, (j) =>
          editPolicy(rotationPolicy(j, "acme")[1], (doc) =>
            doc.Statement.push({ Sid: "Extra", Effect: "Allow", Action: "logs:PutLogEvents", Resource: `\${aws_cloudwatch_log_group.${group(j, "/n8n-prod/globex/n8n")[0]}.arn}` }),
          ),
        ),
        `aws_iam_role_policy.${rotationPolicy(base, "acme")[0]}`,
      ],
      [
        "tenant globex's rotator secret admits acme's rotation role",
        variant(base, (j) => {
          const [id] = secret(j, "n8n-prod/globex/postgres-rotator-password");
          editPolicy(secretPolicy(j, id)[1], (doc) => {
            const deny = doc.Statement.find((s: Json) => s.Sid === "OnlyNamedPrincipalsReadTheValue");
            deny.Condition.StringNotLike["aws:PrincipalArn"].push("arn:aws:iam::123456789012:role/n8n-prod-acme-rotation");
          });
        }),
        `aws_secretsmanager_secret_policy.${secretPolicy(base, secret(base, "n8n-prod/globex/postgres-rotator-password")[0])[0]}`,
      ],
    ],
  },
});

describe("the AWS tenant rules' findings say who crosses into whom", () => {
  test("ZT-TEN-007 names the resource, its tenant and the other tenant's key", () => {
    const bad = variant(base, (j) => (secret(j, "n8n-prod/acme/n8n-db-password")[1].kms_key_id = keyOf(j, "globex")));
    const [f] = run(TENANT_AWS_RULES[0], bad);
    expect(f.detail).toMatch(/^aws_secretsmanager_secret n8n-prod\/acme\/n8n-db-password of tenant acme is encrypted \(kms_key_id\) with tenant globex's key aws_kms_key\.Tenant-globex_Key/);
  });

  test("ZT-TEN-008 names the role, both tenants and the secret it may read", () => {
    const bad = variant(base, (j) =>
      editPolicy(rotationPolicy(j, "acme")[1], (doc) => doc.Statement.push({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/globex/n8n-*" })),
    );
    const details = run(TENANT_AWS_RULES[1], bad).map((f) => f.detail);
    expect(details).toEqual(expect.arrayContaining([expect.stringMatching(/^role n8n-prod-acme-rotation of tenant acme is allowed secretsmanager:GetSecretValue on tenant globex's aws_secretsmanager_secret\.Tenant-globex_Secret-n8n-db-password/)]));
    // The pattern n8n-* covers only globex's n8n-… secrets, not its postgres-… ones.
    expect(details.some((d) => d.includes("postgres-rotator-password"))).toBe(false);
  });
});
