import { existsSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { App, Testing } from "cdktf";
import { HardenedContainer } from "../../constructs/common/hardened-container";
import { ValidationError } from "../../constructs/common/validation";
import { addSuppression, applyZeroTrustPolicy, PolicyViolationError } from "../../constructs/policy/aspect";
import { evaluateStack, StackResult, SUPPRESSIONS_KEY } from "../../constructs/policy/engine";
import { ALL_RULES, AWS_PACK, DOCKER_PACK, rulesOf } from "../../constructs/policy/packs";
import { Rule, RULE_ID_FORM } from "../../constructs/policy/rule";
import { DevStack } from "../../stacks/dev-stack";
import { devConfig, REPO_ROOT } from "../helpers/synth";
import { awsBaseline, dockerBaseline, variant } from "./fixtures";

const tmp = () => mkdtempSync(path.join(os.tmpdir(), "zt-engine-"));
const publishPostgres = (j: any) => (j.resource.docker_container.postgres.ports = [{ internal: 5432, external: 5432 }]);

describe("packs", () => {
  test("rule ids are unique and follow ZT-<AREA>-<NNN>", () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^ZT-(NET|EDGE|CTR|SEC|TRF|TLS|HDR|SSO|SOCK|IDP|N8N|PG|VK|TEN|AWS-(S3|KMS|SM|LOG|SNS|SQS|CW|LMB|IAM|EC2|VPC|ECS|ALB|RDS|ECC|WAF))-\d{3}$/);
  });

  test("the docker and aws packs are disjoint and together are all rules", () => {
    expect(DOCKER_PACK.filter((r) => AWS_PACK.includes(r))).toEqual([]);
    expect(rulesOf(["docker", "aws"]).length).toBe(ALL_RULES.length);
    expect(() => rulesOf("nope" as never)).toThrow(/unknown policy pack nope/);
  });

  test("Checkov ids, where given, look like Checkov ids", () => {
    for (const r of ALL_RULES) for (const c of r.checkov ?? []) expect(c).toMatch(/^CKV2?_AWS_\d+$/);
  });

  test("each pack looks only at its own resources", () => {
    expect(evaluateStack("d", dockerBaseline(), AWS_PACK).findings).toEqual([]);
    expect(evaluateStack("a", awsBaseline(), DOCKER_PACK).findings).toEqual([]);
  });

  test("every rule says which resources it is about: docker_ for the docker pack, aws_ for the aws pack", () => {
    expect(DOCKER_PACK.filter((r) => r.appliesTo !== "docker_").map((r) => r.id)).toEqual([]);
    expect(AWS_PACK.filter((r) => r.appliesTo !== "aws_").map((r) => r.id)).toEqual([]);
  });

  test("a rule is skipped on a stack without the resources it applies to; a team's rule without appliesTo runs on any stack", () => {
    const calls: string[] = [];
    const teamRule = (id: string, appliesTo?: string): Rule => ({
      id,
      level: "warning",
      cause: "a team's own check",
      explanation: "a team's own check",
      appliesTo,
      evaluate: (_stack, ctx) => (calls.push(`${id} ${ctx.stackName}`), [{ resource: "stack", detail: "seen" }]),
    });
    const everywhere = teamRule("SHOP-001");
    const onDocker = teamRule("SHOP-002", "docker_");
    for (const [name, stack] of [["docker", dockerBaseline()], ["aws", awsBaseline()], ["empty", {}]] as const) {
      expect(evaluateStack(name, stack, [everywhere, onDocker]).findings.map((f) => f.ruleId)).toEqual(name === "docker" ? ["SHOP-001", "SHOP-002"] : ["SHOP-001"]);
    }
    expect(calls).toEqual(["SHOP-001 docker", "SHOP-002 docker", "SHOP-001 aws", "SHOP-001 empty"]);
  });
});

describe("suppressions in the JSON", () => {
  const suppressed = (reason: string, rule = "ZT-NET-001") =>
    variant(dockerBaseline(), (j) => {
      publishPostgres(j);
      j.resource.docker_container.postgres["//"][SUPPRESSIONS_KEY] = [{ rule, reason }];
    });

  test("a suppression with a reason silences exactly that rule on that resource, and is recorded", () => {
    const r = evaluateStack("shop", suppressed("loopback-only port for a DBA tunnel"));
    expect(r.errors).toEqual([]);
    expect(r.suppressed.map((f) => [f.ruleId, f.resource, f.suppressedBecause])).toEqual([["ZT-NET-001", "docker_container.postgres", "loopback-only port for a DBA tunnel"]]);
    expect(r.suppressions).toEqual([{ resource: "docker_container.postgres", path: "shop/postgres/Resource", rule: "ZT-NET-001", reason: "loopback-only port for a DBA tunnel", valid: true, used: true }]);
  });

  test("a suppression with a reason under 10 characters does not count and is itself an error", () => {
    const r = evaluateStack("shop", suppressed("ok"));
    expect(r.errors.map((f) => f.ruleId).sort()).toEqual(["ZT-META-001", "ZT-NET-001"]);
  });

  test("a suppression naming an unknown rule is an error (a typo must not hide a finding silently)", () => {
    const r = evaluateStack("shop", suppressed("a long enough reason", "ZT-NET-01"));
    expect(r.errors.map((f) => [f.ruleId, f.detail])).toEqual(
      expect.arrayContaining([
        ["ZT-META-001", 'suppression names rule "ZT-NET-01", which does not run on this stack; looked up in the rules that ran: the docker pack (82 rules), the aws pack (50 rules)'],
      ]),
    );
  });

  test("a suppression is checked against the rules that run: a pack rule that was not run is an error naming its pack", () => {
    const r = evaluateStack("shop", suppressed("loopback-only port for a DBA tunnel"), AWS_PACK);
    expect(r.errors.map((f) => [f.ruleId, f.resource, f.detail])).toEqual([
      [
        "ZT-META-001",
        "docker_container.postgres",
        'suppression names rule "ZT-NET-001", which does not run on this stack; looked up in the rules that ran: the aws pack (50 rules). ZT-NET-001 is a rule of the docker pack that was not run here',
      ],
    ]);
    expect(r.suppressions.map((x) => [x.rule, x.valid])).toEqual([["ZT-NET-001", false]]);
  });

  describe("a team's own rule", () => {
    const teamRule: Rule = {
      id: "SHOP-DB-001",
      level: "error",
      cause: "Postgres is not called shop-db",
      explanation: "The shop's runbooks find the database by name.",
      appliesTo: "docker_",
      evaluate: (_stack, ctx) => ctx.docker.containers.filter((c) => c.image.startsWith("postgres") && c.name !== "shop-db").map((c) => ({ resource: c.address, path: c.path, detail: `${c.name} is not shop-db` })),
    };
    const withSuppression = (rule: string, reason: string) =>
      variant(dockerBaseline(), (j) => (j.resource.docker_container.postgres["//"][SUPPRESSIONS_KEY] = [{ rule, reason }]));

    test("runs beside the packs, and its finding fails like theirs", () => {
      expect(evaluateStack("shop", dockerBaseline(), [...ALL_RULES, teamRule]).errors.map((f) => f.ruleId)).toEqual(["SHOP-DB-001"]);
    });

    test("suppressed with a reason, it passes and the suppression is recorded as used", () => {
      const r = evaluateStack("shop", withSuppression("SHOP-DB-001", "named before the runbooks existed"), [...ALL_RULES, teamRule]);
      expect(r.errors).toEqual([]);
      expect(r.suppressed.map((f) => [f.ruleId, f.resource, f.suppressedBecause])).toEqual([["SHOP-DB-001", "docker_container.postgres", "named before the runbooks existed"]]);
      expect(r.suppressions.map((x) => [x.rule, x.valid, x.used])).toEqual([["SHOP-DB-001", true, true]]);
    });

    test("a suppression of it where it does not run is an error that says where the id was looked up", () => {
      const r = evaluateStack("shop", withSuppression("SHOP-DB-001", "named before the runbooks existed"), DOCKER_PACK);
      expect(r.errors.map((f) => [f.ruleId, f.detail])).toEqual([
        ["ZT-META-001", 'suppression names rule "SHOP-DB-001", which does not run on this stack; looked up in the rules that ran: the docker pack (82 rules)'],
      ]);
      const other = evaluateStack("shop", withSuppression("SHOP-DB-002", "named before the runbooks existed"), [...DOCKER_PACK.slice(0, 3), teamRule]);
      expect(other.errors.map((f) => f.detail)).toContain(
        'suppression names rule "SHOP-DB-002", which does not run on this stack; looked up in the rules that ran: 3 of the docker pack\'s 82 rules, the stack\'s own rule SHOP-DB-001',
      );
    });
  });

  test("a suppression for another rule does not hide this one", () => {
    const r = evaluateStack("shop", suppressed("not about ports at all", "ZT-CTR-006"));
    expect(r.errors.map((f) => f.ruleId)).toEqual(["ZT-NET-001"]);
    expect(r.suppressions[0].used).toBe(false);
  });

  test("suppressions can also be given by construct path", () => {
    const j = variant(dockerBaseline(), publishPostgres);
    const r = evaluateStack("shop", j, { suppressions: [{ resource: "shop/postgres", rule: "ZT-NET-001", reason: "loopback-only port for a DBA tunnel" }] });
    expect(r.errors).toEqual([]);
    expect(r.suppressed).toHaveLength(1);
  });
});

describe("the policy at synth (applyZeroTrustPolicy)", () => {
  const leakyDb = (stack: DevStack, ip?: string) =>
    new HardenedContainer(stack, "Leaky", {
      name: "leaky-db",
      image: "postgres:17.6-alpine",
      networks: [{ network: stack.runtime.networks.data }],
      memoryMb: 256,
      healthcheck: { test: ["CMD", "true"] },
      publishedPorts: [{ internal: 5432, external: 5432, ip }],
    });

  test("the dev stack synthesizes with the policy on, with no finding at all", () => {
    const results: StackResult[] = [];
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    applyZeroTrustPolicy(stack, { report: (r) => results.push(r) });
    Testing.synth(stack);
    expect(results.map((r) => [r.stackName, r.findings.length])).toEqual([["dev", 0]]);
  });

  test("an error finding fails app.synth() with each finding's rule, path and cause, and no plan is written", () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const stack = new DevStack(app, "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    leakyDb(stack);
    applyZeroTrustPolicy(stack, { report: () => undefined });
    let error: unknown;
    try {
      app.synth();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PolicyViolationError);
    expect((error as Error).message).toContain("ERROR ZT-NET-001 dev/Leaky/Resource: A container other than the edge proxy publishes host ports — leaky-db publishes 0.0.0.0:5432->5432");
    expect((error as Error).message).toMatch(/^Zero-trust policy: 1 error finding\(s\) in stack dev/);
    expect(existsSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(false);
  });

  test("warnings do not fail synthesis and are reported", () => {
    const results: StackResult[] = [];
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    new HardenedContainer(stack, "Tool", { name: "tool", image: "alpine:3.22.1", networks: [{ network: stack.runtime.networks.app }], memoryMb: 32, readOnlyRootFilesystem: false, healthcheck: { test: ["CMD", "true"] } });
    applyZeroTrustPolicy(stack, { report: (r) => results.push(r) });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(results[0].warnings.map((f) => [f.ruleId, f.path])).toEqual([["ZT-CTR-008", "dev/Tool/Resource"]]);
  });

  test("addSuppression on a construct suppresses its resource, and the suppression is reported", () => {
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    addSuppression(leakyDb(stack, "127.0.0.1"), "ZT-NET-001", "loopback-only port for a local DBA tunnel");
    const results: StackResult[] = [];
    applyZeroTrustPolicy(stack, { report: (r) => results.push(r) });
    Testing.synth(stack);
    expect(results[0].errors).toEqual([]);
    expect(results[0].suppressed.map((f) => `${f.ruleId} ${f.path}: ${f.suppressedBecause}`)).toEqual(["ZT-NET-001 dev/Leaky/Resource: loopback-only port for a local DBA tunnel"]);
    // Testing.synth drops the "//" blocks; the real synthesis (toTerraform) keeps them for the review CLI.
    const container = Object.values<any>(stack.toTerraform().resource.docker_container).find((c) => c.name === "leaky-db");
    expect(container["//"][SUPPRESSIONS_KEY]).toEqual([{ rule: "ZT-NET-001", reason: "loopback-only port for a local DBA tunnel" }]);
  });

  test("addSuppression refuses a short reason, a malformed rule id and a construct without a resource", () => {
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    const pg = stack.runtime.postgres.container;
    expect(() => addSuppression(pg, "ZT-NET-001", "because")).toThrow(ValidationError);
    expect(() => addSuppression(pg, "zt-net-1", "a perfectly good reason")).toThrow(
      '  - ruleId: "zt-net-1" is not a rule id: upper-case letters and digits in dash-separated parts, e.g. ZT-NET-001 or SHOP-DB-001',
    );
    expect(() => addSuppression(stack.runtime, "ZT-NET-001", "a perfectly good reason")).toThrow(/not a Terraform resource/);
  });

  test("addSuppression is the one suppression API: the first version's alias suppressRule is gone", () => {
    const api = require("../../constructs") as Record<string, unknown>;
    expect([typeof api.addSuppression, "suppressRule" in api]).toEqual(["function", false]);
  });

  test("every rule id of the packs has the form addSuppression accepts", () => {
    expect(ALL_RULES.filter((r) => !RULE_ID_FORM.test(r.id)).map((r) => r.id)).toEqual([]);
  });

  describe("a team's own rule (extraRules)", () => {
    const ToolsNamed: Rule = {
      id: "SHOP-CTR-001",
      level: "error",
      cause: "A container's name does not start with the team's prefix",
      explanation: "The shop's dashboards group containers by the shop- prefix.",
      appliesTo: "docker_",
      evaluate: (_stack, ctx) => ctx.docker.containers.filter((c) => c.name === "tool").map((c) => ({ resource: c.address, path: c.path, detail: `${c.name} has no shop- prefix` })),
    };
    const withTool = () => {
      const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
      const tool = new HardenedContainer(stack, "Tool", { name: "tool", image: "alpine:3.22.1", networks: [{ network: stack.runtime.networks.app }], memoryMb: 32, healthcheck: { test: ["CMD", "true"] } });
      return { stack, tool };
    };

    test("runs beside the packs at synth and fails it", () => {
      const { stack } = withTool();
      applyZeroTrustPolicy(stack, { extraRules: [ToolsNamed], report: () => undefined });
      expect(() => Testing.synth(stack)).toThrow("ERROR SHOP-CTR-001 dev/Tool/Resource: A container's name does not start with the team's prefix — tool has no shop- prefix");
    });

    test("suppressed with addSuppression and a reason, it passes and the suppression is reported", () => {
      const { stack, tool } = withTool();
      addSuppression(tool, "SHOP-CTR-001", "a shared debugging tool, named by the platform team");
      const results: StackResult[] = [];
      applyZeroTrustPolicy(stack, { extraRules: [ToolsNamed], report: (r) => results.push(r) });
      Testing.synth(stack);
      expect(results[0].rules.length).toBe(ALL_RULES.length + 1);
      expect(results[0].errors).toEqual([]);
      expect(results[0].suppressed.map((f) => `${f.ruleId} ${f.path}: ${f.suppressedBecause}`)).toEqual(["SHOP-CTR-001 dev/Tool/Resource: a shared debugging tool, named by the platform team"]);
    });

    test("a suppression of a rule that does not run fails synthesis with a ZT-META-001 finding", () => {
      const { stack, tool } = withTool();
      addSuppression(tool, "SHOP-CTR-001", "a shared debugging tool, named by the platform team");
      applyZeroTrustPolicy(stack, { report: () => undefined });
      expect(() => Testing.synth(stack)).toThrow(
        'ERROR ZT-META-001 dev/Tool/Resource: A suppression is invalid: its reason is shorter than 10 characters or it names a rule that does not run on the stack — suppression names rule "SHOP-CTR-001", which does not run on this stack; looked up in the rules that ran: the docker pack (82 rules), the aws pack (50 rules)',
      );
    });
  });

  test("the rules run once per synthesis, on the JSON cdktf writes", () => {
    const outdir = tmp();
    const app = new App({ outdir });
    const stack = new DevStack(app, "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    let runs = 0;
    applyZeroTrustPolicy(stack, { report: () => runs++ });
    applyZeroTrustPolicy(stack, { report: () => runs++ }); // a second call does not run the pack twice
    app.synth();
    expect(runs).toBe(1);
    expect(existsSync(path.join(outdir, "stacks", "dev", "cdk.tf.json"))).toBe(true);
  });

  test("packs and options are honoured at synth", () => {
    const stack = new DevStack(Testing.app(), "dev", { config: devConfig(), repoRoot: REPO_ROOT });
    leakyDb(stack);
    const results: StackResult[] = [];
    applyZeroTrustPolicy(stack, { packs: "aws", report: (r) => results.push(r) });
    expect(() => Testing.synth(stack)).not.toThrow();
    expect(results[0].rules.map((r) => r.id)).toEqual(AWS_PACK.map((r) => r.id));
  });
});
