import { readFileSync } from "node:fs";
import path from "node:path";
import { Testing } from "cdktf";
import { parseConfig, ProdConfig, prodConfigSchema } from "../../config/schema";
import { buildProdStacks } from "../../stacks/prod";
import { ProdCloudStack } from "../../stacks/prod-cloud-stack";
import { TENANT_TAG } from "../../constructs/app/tenants";
import { SECRET_FILES } from "../../constructs/common/secret-files";
import { RUNTIME_SECRETS } from "../../constructs/common/secret-catalog";
import { prodAgentProps } from "../../stacks/prod-cloud-stack";
import { problemLines } from "../helpers/validation";
import { costSection } from "../../constructs/policy/report/cost";
import { makeContext } from "../../constructs/policy/rule";
import { prodCloudProps, TEST_HOST } from "../helpers/prod-cloud";

/*
 * prod-cloud with two tenants (issue 16, item 3), built exactly as main.ts builds it from
 * config/prod.tenants.example.json: per tenant its own key, secrets namespace, log groups,
 * rotation function, alarms and backup prefix; the host role and the host agent scoped to them.
 */

const file = path.join(__dirname, "..", "..", "config", "prod.tenants.example.json");
const raw = JSON.parse(readFileSync(file, "utf8"));
const config: ProdConfig = parseConfig(prodConfigSchema, raw, file);

function build(c: ProdConfig = config) {
  const app = Testing.app();
  const stacks = buildProdStacks(app, c, { s3Backend: false });
  const json = JSON.parse(Testing.synth(stacks.cloud));
  return { ...stacks, json };
}

const { cloud, json } = build();
const resources = (type: string): [string, any][] => Object.entries(json.resource[type] ?? {});
const byName = (type: string, field: string, value: string): [string, any] => {
  const found = resources(type).find(([, r]) => r[field] === value);
  if (!found) throw new Error(`no ${type} with ${field} = ${value}`);
  return found;
};
const hostPolicy = (): any => {
  const [, p] = resources("aws_iam_role_policy").find(([, r]) => String(r.role).includes("aws_iam_role.HostRole"))!;
  return JSON.parse(p.policy);
};
const statement = (sid: string) => hostPolicy().Statement.find((s: any) => s.Sid === sid);
const keyRef = (t: string) => `\${aws_kms_key.${resources("aws_kms_key").find(([id]) => id.startsWith(`Tenant-${t}_Key`))![0]}.arn}`;
const sharedKeyRef = () => `\${aws_kms_key.${resources("aws_kms_key").find(([id]) => id.startsWith("Key_"))![0]}.arn}`;

describe("prod-cloud with tenants: what each tenant owns alone", () => {
  test("each tenant has its own customer-managed key (alias, yearly rotation), and the shared key stays for the edge, host and backups", () => {
    const aliases = resources("aws_kms_alias").map(([, a]) => a.name).sort();
    expect(aliases).toEqual(["alias/n8n-prod", "alias/n8n-prod-acme", "alias/n8n-prod-globex"]);
    for (const [, k] of resources("aws_kms_key")) expect(k.enable_key_rotation).toBe(true);
    expect(keyRef("acme")).not.toBe(keyRef("globex"));
  });

  test("each tenant's secrets live in its own namespace, on its own key, and only the host role and its own rotation function may read them", () => {
    const secrets = resources("aws_secretsmanager_secret");
    for (const t of ["acme", "globex"]) {
      const own = secrets.filter(([, s]) => String(s.name).startsWith(`n8n-prod/${t}/`));
      expect(own.map(([, s]) => s.name).sort()).toEqual(RUNTIME_SECRETS.map((s) => `n8n-prod/${t}/${s.id}`).sort());
      for (const [id, s] of own) {
        expect(s.kms_key_id).toBe(keyRef(t));
        expect(s.tags[TENANT_TAG]).toBe(t);
        const [, policy] = resources("aws_secretsmanager_secret_policy").find(([, p]) => p.secret_arn === `\${aws_secretsmanager_secret.${id}.arn}`)!;
        const deny = JSON.parse(policy.policy).Statement.find((st: any) => st.Sid === "OnlyNamedPrincipalsReadTheValue");
        const readers: string[] = deny.Condition.StringNotLike["aws:PrincipalArn"];
        expect(readers).toContain("arn:aws:iam::123456789012:role/n8n-prod-docker-host");
        const other = t === "acme" ? "globex" : "acme";
        // The other tenant's rotation function is never a reader, nor the shared (single-tenant) one.
        expect(readers.some((r) => r.includes(`n8n-prod-${other}-rotation`))).toBe(false);
        expect(readers.some((r) => r.endsWith("role/n8n-prod-rotation"))).toBe(false);
      }
    }
    // No secret outside a tenant's namespace: with tenants the stack keeps none of its own.
    expect(secrets.filter(([, s]) => !/^n8n-prod\/(acme|globex)\//.test(s.name))).toEqual([]);
  });

  test("each tenant's services log to its own groups /<prefix>/<id>/… on its own key; the shared edge's groups stay on the shared key", () => {
    const groups = resources("aws_cloudwatch_log_group");
    for (const t of ["acme", "globex"]) {
      const own = groups.filter(([, g]) => String(g.name).startsWith(`/n8n-prod/${t}/`) || g.name === `/aws/lambda/n8n-prod-${t}-rotation`);
      expect(own.map(([, g]) => g.name).sort()).toEqual([`/aws/lambda/n8n-prod-${t}-rotation`, `/n8n-prod/${t}/n8n`, `/n8n-prod/${t}/n8n-runners`, `/n8n-prod/${t}/oauth2-proxy`, `/n8n-prod/${t}/postgres`]);
      for (const [, g] of own) {
        expect(g.kms_key_id).toBe(keyRef(t));
        expect(g.tags[TENANT_TAG]).toBe(t);
      }
    }
    for (const name of ["/n8n-prod/traefik", "/n8n-prod/socket-proxy"]) expect(byName("aws_cloudwatch_log_group", "name", name)[1].kms_key_id).toBe(sharedKeyRef());
    // No single-tenant group is left behind.
    expect(groups.map(([, g]) => g.name)).not.toContain("/n8n-prod/n8n");
    expect(groups.map(([, g]) => g.name)).not.toContain("/aws/lambda/n8n-prod-rotation");
  });

  test("each tenant has its own rotation function, reading only its own secrets and reaching only its own Postgres port", () => {
    for (const [t, port] of [["acme", 5432], ["globex", 5433]] as const) {
      const [fnId, fn] = byName("aws_lambda_function", "function_name", `n8n-prod-${t}-rotation`);
      expect(fn.tags[TENANT_TAG]).toBe(t);
      // Its dead-letter queue is on the tenant's key.
      const dlqRef = fn.dead_letter_config.target_arn.replace(/^\$\{aws_sqs_queue\.([^.]+)\.arn\}$/, "$1");
      expect(json.resource.aws_sqs_queue[dlqRef].kms_master_key_id).toBe(keyRef(t));
      const [, rotation] = resources("aws_secretsmanager_secret_rotation").find(([, r]) => r.rotation_lambda_arn === `\${aws_lambda_function.${fnId}.arn}`)!;
      const [rotatedId] = byName("aws_secretsmanager_secret", "name", `n8n-prod/${t}/${SECRET_FILES.n8nDbPassword}`);
      expect(rotation.secret_id).toBe(`\${aws_secretsmanager_secret.${rotatedId}.id}`);
      const role = cloud.tenants.find((x) => x.tenantId === t)!.rotationFunction;
      const [, policy] = resources("aws_iam_role_policy").find(([, p]) => String(p.role).includes(`Tenant-${t}_Rotation`))!;
      const secretResources = JSON.parse(policy.policy)
        .Statement.filter((st: any) => [st.Action].flat().some((a: string) => a.startsWith("secretsmanager:")) && st.Resource !== "*")
        .flatMap((st: any) => [st.Resource].flat());
      expect(secretResources.length).toBeGreaterThan(0);
      for (const r of secretResources) expect(String(r)).toMatch(new RegExp(`^arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/${t}/`));
      const sg = role.securityGroup!;
      const [, sgJson] = resources("aws_security_group").find(([id]) => id.includes(`Tenant-${t}_Rotation`))!;
      const pgEgress = sgJson.egress.filter((e: any) => e.cidr_blocks?.includes("10.20.1.10/32"));
      expect(pgEgress.map((e: any) => [e.from_port, e.to_port])).toEqual([[port, port]]);
      expect(sg).toBeDefined();
    }
  });

  test("the host admits each tenant's Postgres port only from that tenant's rotation function", () => {
    const [, host] = resources("aws_security_group").find(([, g]) => g.name === "n8n-prod-docker-host")!;
    const pg = host.ingress.filter((i: any) => i.from_port !== 80 && i.from_port !== 443);
    expect(pg).toHaveLength(2);
    for (const [t, port] of [["acme", 5432], ["globex", 5433]] as const) {
      const rule = pg.find((i: any) => i.from_port === port);
      expect(rule.to_port).toBe(port);
      expect(rule.security_groups).toHaveLength(1);
      expect(rule.security_groups[0]).toMatch(new RegExp(`aws_security_group\\.Tenant-${t}_Rotation`));
      expect(rule.cidr_blocks ?? []).toEqual([]);
    }
  });

  test("each tenant's alarms: failed logins and server errors on its own routers only, rotation failures, a missing backup of its database", () => {
    const filters = resources("aws_cloudwatch_log_metric_filter").map(([, f]) => f);
    for (const t of ["acme", "globex"]) {
      const failed = filters.find((f) => f.name === `n8n-prod-${t}-FailedLogins`);
      expect(failed.pattern).toContain(`$.RouterName = "n8n-${t}-*"`);
      expect(failed.pattern).toContain("$.DownstreamStatus = 401");
      expect(failed.log_group_name).toMatch(/aws_cloudwatch_log_group\.Logs-traefik/);
      expect(filters.find((f) => f.name === `n8n-prod-${t}-ServerErrors`).pattern).toContain(`$.RouterName = "n8n-${t}-*"`);
      expect(filters.find((f) => f.name === `n8n-prod-${t}-RotationFailures`).log_group_name).toMatch(new RegExp(`Tenant-${t}_Logs-rotation`));
      const [, backup] = byName("aws_cloudwatch_metric_alarm", "alarm_name", `n8n-prod-${t}-BackupMissing`);
      expect(backup.dimensions).toEqual({ Database: `n8n_${t}` });
      expect(backup.tags[TENANT_TAG]).toBe(t);
    }
    // The edge-wide alarms stay; there is no single-tenant rotation or backup alarm.
    expect(filters.map((f) => f.name)).toEqual(expect.arrayContaining(["n8n-prod-FailedLogins", "n8n-prod-ServerErrors"]));
    expect(filters.map((f) => f.name)).not.toContain("n8n-prod-RotationFailures");
    expect(resources("aws_cloudwatch_metric_alarm").map(([, a]) => a.alarm_name)).not.toContain("n8n-prod-BackupMissing");
  });
});

describe("prod-cloud with tenants: the host role and the host agent", () => {
  test("the host role reads each tenant's secrets namespace, decrypts with each tenant's key only through Secrets Manager for those secrets, and nothing else", () => {
    const namespaces = ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/acme/*", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/globex/*"];
    expect(statement("ReadTenantSecrets").Resource).toEqual(namespaces);
    const decrypt = statement("DecryptTenantSecretsViaSecretsManager");
    expect(decrypt.Action).toEqual(["kms:Decrypt"]);
    expect(decrypt.Resource).toEqual([keyRef("acme"), keyRef("globex")]);
    expect(decrypt.Condition.StringEquals["kms:ViaService"]).toBe("secretsmanager.eu-central-1.amazonaws.com");
    expect(decrypt.Condition.StringLike["kms:EncryptionContext:SecretARN"]).toEqual(namespaces);
    const secretStatements = hostPolicy().Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("secretsmanager:")));
    expect(secretStatements.map((s: any) => s.Sid)).toEqual(["ReadTenantSecrets"]);
  });

  test("the host role writes each tenant's service log groups and backup prefix, never a rotation function's logs", () => {
    expect(statement("WriteTenantLogGroups").Resource).toEqual(["arn:aws:logs:eu-central-1:123456789012:log-group:/n8n-prod/acme/*", "arn:aws:logs:eu-central-1:123456789012:log-group:/n8n-prod/globex/*"]);
    const logResources = hostPolicy().Statement.filter((s: any) => [s.Action].flat().includes("logs:PutLogEvents")).flatMap((s: any) => s.Resource);
    expect(logResources.some((r: string) => r.includes("/aws/lambda/") || r.includes("Logs-rotation"))).toBe(false);
    const backups = statement("TenantBackupsWriteObjects");
    expect(backups.Resource).toEqual([expect.stringMatching(/\/backups\/acme\/\*$/), expect.stringMatching(/\/backups\/globex\/\*$/)]);
    expect(statement("BackupsWriteObjects")).toBeUndefined();
  });

  test("the host agent writes each tenant's secrets into its own folder and restarts only that tenant's containers", () => {
    const agent = prodAgentProps("n8n-prod", "eu-central-1", TEST_HOST.agent, "example-n8n-prod-backups", undefined, [
      { id: "acme", dockerPrefix: "n8n-acme", database: "n8n_acme", postgresPort: 5432 },
      { id: "globex", dockerPrefix: "n8n-globex", database: "n8n_globex", postgresPort: 5433 },
    ]);
    const db = agent.secrets.find((s) => s.secretId === `n8n-prod/acme/${SECRET_FILES.n8nDbPassword}`)!;
    expect(db.files.map((f) => f.name)).toEqual(expect.arrayContaining([`tenants/acme/${SECRET_FILES.n8nDbPassword}`]));
    expect(db.restart.length).toBeGreaterThan(0);
    for (const s of agent.secrets) {
      const t = s.secretId.split("/")[1];
      for (const f of s.files) expect(f.name.startsWith(`tenants/${t}/`)).toBe(true);
      for (const c of s.restart) expect(c.startsWith(`n8n-${t}-`)).toBe(true);
    }
    expect(agent.secrets.map((s) => s.secretId).filter((id) => !/^n8n-prod\/(acme|globex)\//.test(id))).toEqual([]);
    expect(agent.backups!.map((b) => [b.instance, b.prefix, b.postgresContainer, b.database])).toEqual([
      ["acme", "backups/acme/", "n8n-acme-postgres", "n8n_acme"],
      ["globex", "backups/globex/", "n8n-globex-postgres", "n8n_globex"],
    ]);
  });

  test("the host's user data installs one backup timer per tenant and names each tenant's secrets", () => {
    const [, inst] = resources("aws_instance")[0];
    const text = require("node:zlib").gunzipSync(Buffer.from(inst.user_data_base64, "base64")).toString("utf8");
    for (const t of ["acme", "globex"]) {
      expect(text).toContain(`n8n-backup-${t}.timer`);
      expect(text).toContain(`n8n-prod/${t}/${SECRET_FILES.n8nEncryptionKey}`);
    }
    expect(text).not.toMatch(/n8n-prod\/n8n-encryption-key/);
  });
});

describe("prod-cloud with tenants: the review report", () => {
  test("the cost estimate prices each tenant: its own key, secrets, logs and alarms plus a share of the host, adding up to the total", () => {
    const section = costSection(makeContext("prod-cloud", json), json);
    const tenantPart = section.slice(section.indexOf("#### Cost per tenant"));
    expect(tenantPart.length).toBeGreaterThan(0);
    const total = Number(/\| \*\*total\*\* \| \| \| \*\*\$([\d.]+)\*\*/.exec(section)![1]);
    const rows = ["acme", "globex"].map((t) => {
      const row = tenantPart.split("\n").find((l) => l.startsWith(`| \`${t}\` |`));
      expect(row).toBeDefined();
      return Number(/\$([\d.]+) \|$/.exec(row!)![1]);
    });
    expect(Math.round((rows[0] + rows[1]) * 100)).toBe(Math.round(total * 100));
    // Each tenant's own part includes its key and its secrets.
    for (const t of ["acme", "globex"]) expect(tenantPart.split("\n").find((l) => l.startsWith(`| \`${t}\` |`))).toMatch(/KMS customer-managed keys \(1\).*Secrets Manager secrets \(10\)/);
  });
});

describe("prod-cloud with tenants: limits and errors", () => {
  test("with the most tenants allowed, the user data fits EC2's limit and the host role's policy IAM's 10,240 characters once ARNs are resolved", () => {
    const many = { ...raw, tenants: Array.from({ length: 16 }, (_, i) => ({ id: `t${String(i).padStart(2, "0")}abcdefghijklm`, host: `n8n-t${i}`, sso: { allowedEmailDomains: ["example.com"] } })) };
    const c = parseConfig(prodConfigSchema, many, file);
    const { json: j } = build(c);
    const [, p] = Object.entries<any>(j.resource.aws_iam_role_policy).find(([, r]) => String(r.role).includes("aws_iam_role.HostRole"))!;
    // Resolved, a reference is an ARN: KMS key ARNs are 75 characters, bucket and log-group ARNs shorter.
    const resolved = JSON.stringify(JSON.parse(p.policy)).replace(/\$\{[^}]+\}/g, "x".repeat(75));
    expect(resolved.length).toBeLessThanOrEqual(10_240);
  });

  test("more tenants than a host's policy can name is refused with the field, the limit and the reason", () => {
    const many = { ...raw, tenants: Array.from({ length: 17 }, (_, i) => ({ id: `t${i}`, host: `n8n-t${i}`, sso: { allowedEmailDomains: ["example.com"] } })) };
    expect(() => parseConfig(prodConfigSchema, many, file)).toThrow(/tenants: must list at most 16 tenants in prod .*16 KiB of user data and IAM 10,240 characters of policy\); got 17/);
  });

  test("an id that makes an AWS name too long is refused naming the tenant's field", () => {
    const long = { ...raw, aws: { ...raw.aws, namePrefix: "n8n-production-environment-of-a-very-long-company-name" }, tenants: [{ id: "abcdefghijklmnop", host: "n8n-x", sso: { allowedEmailDomains: ["example.com"] } }] };
    expect(() => parseConfig(prodConfigSchema, long, file)).toThrow(/tenants\.0\.id: makes the AWS name "n8n-production-environment-of-a-very-long-company-name-abcdefghijklmnop-rotation" longer than 64 characters/);
  });

  test("the id \"backup\" is refused in prod (the single-tenant backup's settings file has that name)", () => {
    const bad = { ...raw, tenants: [{ id: "backup", host: "n8n-b", sso: { allowedEmailDomains: ["example.com"] } }] };
    expect(() => parseConfig(prodConfigSchema, bad, file)).toThrow(/tenants\.0\.id: "backup" is reserved in prod/);
  });

  test("ProdCloudStack refuses duplicate tenant ports and databases, naming each", () => {
    const tenants = [
      { id: "acme", dockerPrefix: "n8n-acme", database: "n8n_x", postgresPort: 5432 },
      { id: "globex", dockerPrefix: "n8n-globex", database: "n8n_x", postgresPort: 5432 },
    ];
    const lines = problemLines(() => new ProdCloudStack(Testing.app(), "prod-cloud", prodCloudProps({ host: TEST_HOST, tenants })));
    expect(lines).toEqual(expect.arrayContaining(['tenants: database "n8n_x" is shared by two tenants; each needs its own', 'tenants: postgresPort "5432" is shared by two tenants; each needs its own']));
  });

  test("without tenants nothing carries a tenant tag (the single-tenant stack is unchanged)", () => {
    const file1 = path.join(__dirname, "..", "..", "config", "prod.example.json");
    const single = parseConfig(prodConfigSchema, JSON.parse(readFileSync(file1, "utf8")), file1);
    const text = Testing.synth(buildProdStacks(Testing.app(), single, { s3Backend: false }).cloud);
    expect(text).not.toContain(TENANT_TAG);
    expect(text).toContain('"/aws/lambda/n8n-prod-rotation"');
  });
});
