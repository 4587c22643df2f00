import { readFileSync } from "node:fs";
import path from "node:path";
import { parseConfig } from "../../config/schema";
import { prodEcsConfigSchema } from "../../config/prod-ecs-schema";
import { ValidationError } from "../../constructs/common/validation";
import { REPO_ROOT } from "../helpers/synth";

/** The committed config/prod-ecs.example.json as raw JSON (a fresh copy each call, safe to mutate). */
function rawExample(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "prod-ecs.example.json"), "utf8"));
}

/** The problems a mutated example produces (empty when valid), validated the way main.ts does. */
function problems(mutate: (c: Record<string, any>) => void): { field: string; message: string }[] {
  const raw = rawExample();
  mutate(raw);
  try {
    parseConfig(prodEcsConfigSchema, raw, "test config");
    return [];
  } catch (e) {
    if (!(e instanceof ValidationError)) throw e;
    return [...e.problems];
  }
}

describe("prod-ecs config validation", () => {
  test("the committed config/prod-ecs.example.json is valid and parses to what it says", () => {
    expect(problems(() => undefined)).toEqual([]);
    const c = parseConfig(prodEcsConfigSchema, rawExample(), "example");
    expect(c.services.worker).toEqual({ cpu: 1024, memoryMb: 3072, minTasks: 2, maxTasks: 10, backlogPerTask: 20 });
    expect(c.network.zones.map((z) => z.availabilityZone)).toEqual(["eu-central-1a", "eu-central-1b"]);
  });

  test("the optional sections default to the documented values", () => {
    const c = parseConfig(
      prodEcsConfigSchema,
      (() => {
        const raw = rawExample();
        for (const k of ["hosts", "n8n", "services", "rds", "valkey", "waf"]) delete raw[k];
        return raw;
      })(),
      "minimal",
    );
    expect(c.services.main).toEqual({ cpu: 1024, memoryMb: 3072 });
    expect(c.services.webhook).toMatchObject({ cpu: 512, memoryMb: 1024, minTasks: 2, maxTasks: 6 });
    expect(c.n8n.publicPaths).toEqual(["webhook", "webhook-waiting", "form", "form-waiting"]);
    expect(c.valkey).toEqual({ nodeType: "cache.t4g.small", engineVersion: "8.0", replicas: 1 });
  });

  test.each([
    ["a CPU size Fargate does not have", (c: any) => (c.services.main.cpu = 768), "services.main.cpu", /^must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 \(Fargate CPU units\), got 768$/],
    ["memory outside the CPU size's range", (c: any) => (c.services.webhook.memoryMb = 512), "services.webhook.memoryMb", /^must be one of Fargate's sizes for cpu 512: 1024 to 4096 in steps of 1024 \(MiB\), got 512$/],
    ["memory off the CPU size's steps", (c: any) => (c.services.worker.memoryMb = 2500), "services.worker.memoryMb", /^must be one of Fargate's sizes for cpu 1024: 2048 to 8192 in steps of 1024 \(MiB\), got 2500$/],
    ["0.25 vCPU with 3 GB (only 512, 1024, 2048 are allowed)", (c: any) => ((c.services.webhook.cpu = 256), (c.services.webhook.memoryMb = 3072)), "services.webhook.memoryMb", /^must be one of Fargate's sizes for cpu 256: 512, 1024, 2048 \(MiB\), got 3072$/],
    ["a CPU size that is not a number", (c: any) => (c.services.main.cpu = "1 vCPU"), "services.main.cpu", /must be one of 256, 512, 1024.*\(Fargate CPU units\)/],
    ["minTasks above maxTasks", (c: any) => (c.services.worker.minTasks = 11), "services.worker.minTasks", /^must not exceed services\.worker\.maxTasks \(10\)$/],
    ["a task count out of range", (c: any) => (c.services.webhook.minTasks = 0), "services.webhook.minTasks", /^must be a whole number from 1 to 100 \(tasks\)/],
    ["runners taking all of a task's memory", (c: any) => ((c.services.worker.memoryMb = 4096), (c.services.runnersMemoryMb = 3072)), "services.runnersMemoryMb", /^must leave n8n memory in services\.main\.memoryMb \(3072\)$/],
    ["runners on another version than n8n", (c: any) => (c.images.n8nRunners = "n8nio/runners:2.40.0"), "images.n8nRunners", /^must use the same version tag as images\.n8n \(2\.41\.3\)$/],
    ["a psql older than the RDS major", (c: any) => (c.images.postgres = "postgres:16.9-bookworm"), "images.postgres", /^must be psql of rds\.engineVersion's major \(17\.6\) or later$/],
    ["an RDS engine older than 16", (c: any) => (c.rds.engineVersion = "15.8"), "rds.engineVersion", /PostgreSQL 16 or later/],
    ["a storage ceiling below the allocation", (c: any) => (c.rds.maxAllocatedStorageGb = 40), "rds.maxAllocatedStorageGb", /^must be at least rds\.allocatedStorageGb \(50\)$/],
    ["a backup retention below 7 days", (c: any) => (c.rds.backupRetentionDays = 1), "rds.backupRetentionDays", /^must be a whole number from 7 to 35 \(days\)/],
    ["a bad RDS instance class", (c: any) => (c.rds.instanceClass = "t4g.medium"), "rds.instanceClass", /RDS instance class such as db\.t4g\.medium/],
    ["Valkey without a replica (no failover)", (c: any) => (c.valkey.replicas = 0), "valkey.replicas", /^must be a whole number from 1 to 5 \(replicas\)/],
    ["an unknown Valkey version", (c: any) => (c.valkey.engineVersion = "7.0"), "valkey.engineVersion", /^must be "7\.2" or "8\.0" \(Valkey\)$/],
    ["a public subnet outside the VPC", (c: any) => (c.network.zones[0].publicSubnet = "10.31.0.0/24"), "network.zones.0.publicSubnet", /^must lie within network\.vpcCidr \(10\.30\.0\.0\/16\)$/],
    ["a private subnet outside the VPC", (c: any) => (c.network.zones[1].privateSubnet = "192.168.0.0/24"), "network.zones.1.privateSubnet", /^must lie within network\.vpcCidr \(10\.30\.0\.0\/16\)$/],
    ["overlapping subnets", (c: any) => (c.network.zones[1].privateSubnet = "10.30.10.0/25"), "network.zones.1.privateSubnet", /^overlaps 10\.30\.10\.0\/24$/],
    ["a zone of another region", (c: any) => (c.network.zones[1].availabilityZone = "eu-west-1b"), "network.zones.1.availabilityZone", /^must be an availability zone of aws\.region \(eu-central-1\)$/],
    ["the same zone twice", (c: any) => (c.network.zones[1].availabilityZone = "eu-central-1a"), "network.zones.1.availabilityZone", /^is listed twice: each zone once$/],
    ["a single zone", (c: any) => c.network.zones.pop(), "network.zones", /2/],
    ["an unknown NAT mode", (c: any) => (c.network.natGateways = "none"), "network.natGateways", /^must be "one" or "per-zone"$/],
    ["a public path that is a test path", (c: any) => (c.n8n.publicPaths = ["webhook-test"]), "n8n.publicPaths.0", /^must be one of "webhook", "webhook-waiting", "form", "form-waiting" \(test paths and MCP stay behind sign-in\)$/],
    ["an http IdP endpoint", (c: any) => (c.sso.tokenEndpoint = "http://login.example.com/token"), "sso.tokenEndpoint", /https URL/],
    ["a scope without openid", (c: any) => (c.sso.scope = "email profile"), "sso.scope", /must start with "openid"/],
    ["an ALB session above 7 days", (c: any) => (c.sso.sessionTimeoutSeconds = 604801), "sso.sessionTimeoutSeconds", /^must be a whole number from 60 to 604800 \(seconds\)/],
    ["a certificate ARN of another service", (c: any) => (c.certificateArn = "arn:aws:iam::123456789012:server-certificate/x"), "certificateArn", /ACM certificate ARN/],
    ["no alarm recipient", (c: any) => (c.aws.alarmEmails = []), "aws.alarmEmails", /alarms nobody receives protect nobody/],
    ["no operator role", (c: any) => (c.aws.operatorRoleArns = []), "aws.operatorRoleArns", /at least one operator role/],
    ["a retention CloudWatch does not offer", (c: any) => (c.aws.logRetentionDays = 100), "aws.logRetentionDays", /^must be one of CloudWatch Logs' values: .*\b90, 120\b/],
    ["an unknown top-level key", (c: any) => (c.servces = {}), "servces", /unknown field; allowed fields here: .*services/],
    ["an unknown nested key", (c: any) => (c.services.worker.backlog = 5), "services.worker.backlog", /unknown field; allowed fields here: .*backlogPerTask/],
    ["running as root", (c: any) => (c.runAs = { uid: 0, gid: 1000 }), "runAs.uid", /\(0 is root\)/],
    ["a missing network", (c: any) => delete c.network, "network", /is required/],
  ])("%s is refused, naming the field and what it allows", (_, mutate, field, message) => {
    expect(problems(mutate)).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  test("image rules: n8n and runners 2.x on one pinned tag, psql 16 or later and at least the RDS major", () => {
    expect(problems((c) => ((c.images.n8n = "docker.n8n.io/n8nio/n8n:1.99.0"), (c.images.n8nRunners = "n8nio/runners:1.99.0")))).toEqual([
      { field: "images.n8n", message: "must be an n8n 2.x release" },
      { field: "images.n8nRunners", message: "must be an n8n runners 2.x release matching images.n8n" },
    ]);
    expect(problems((c) => ((c.images.n8n = "docker.n8n.io/n8nio/n8n:latest"), (c.images.n8nRunners = "n8nio/runners:latest")))).toEqual([
      { field: "images.n8n", message: expect.stringMatching(/tag "latest" is not pinned/) },
      { field: "images.n8nRunners", message: expect.stringMatching(/tag "latest" is not pinned/) },
    ]);
    expect(problems((c) => (c.images.postgres = "postgres:15.8-bookworm"))).toEqual([
      { field: "images.postgres", message: expect.stringMatching(/^must be Postgres 16 or later/) },
      { field: "images.postgres", message: "must be psql of rds.engineVersion's major (17.6) or later" },
    ]);
    // A psql newer than the server is fine.
    expect(problems((c) => (c.rds.engineVersion = "16.10"))).toEqual([]);
  });

  test("the Postgres connection budget counts every n8n process at full scale", () => {
    // 1 main + 6 webhook + 10 worker = 17 processes × 5 = 85 connections.
    expect(problems((c) => (c.postgres.connectionLimit = 85))).toEqual([]);
    expect(problems((c) => (c.postgres.connectionLimit = 84))).toEqual([
      { field: "postgres.connectionLimit", message: "is 84, but at full scale n8n opens 85 connections: (1 main + services.webhook.maxTasks 6 + services.worker.maxTasks 10) × n8n.dbPoolSize 5" },
    ]);
    // maxTasks, not minTasks, is what counts; so does the pool size.
    expect(problems((c) => ((c.postgres.connectionLimit = 85), (c.services.worker.maxTasks = 11)))).toEqual([{ field: "postgres.connectionLimit", message: expect.stringMatching(/opens 90 connections/) }]);
    expect(problems((c) => ((c.postgres.connectionLimit = 85), (c.n8n.dbPoolSize = 6)))).toEqual([{ field: "postgres.connectionLimit", message: expect.stringMatching(/opens 102 connections/) }]);
  });

  test("several problems are reported together, each with its field", () => {
    const p = problems((c) => ((c.services.main.cpu = 768), (c.network.zones[0].publicSubnet = "10.31.0.0/24"), (c.services.worker.minTasks = 11)));
    expect(p.map((x) => x.field).sort()).toEqual(["network.zones.0.publicSubnet", "services.main.cpu", "services.worker.minTasks"]);
  });
});
