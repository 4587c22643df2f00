import path from "node:path";
import { App } from "cdktf";
import { existsSync } from "node:fs";
import { devConfigSchema, loadConfigFile, prodConfigSchema } from "./config/schema";
import { explainUserErrors } from "./constructs/common/run-app";
import { applyZeroTrustPolicy } from "./constructs/policy/aspect";
import { DevStack } from "./stacks/dev-stack";
import { prepareLocalState } from "./stacks/local-state";
import { buildProdStacks } from "./stacks/prod";
import { buildProdEcsStack } from "./stacks/prod-ecs";
import { prodEcsConfigSchema } from "./config/prod-ecs-schema";
import { describeRemoved, removeSynthesizedStacks } from "./scripts/lib/synth-output.cjs";

/*
 * The cdktf app: builds every stack from config/*.json. Run through `node scripts/run-ts.cjs`
 * (see cdktf.json), so synthesis costs about what an empty cdktf app costs.
 */
const repoRoot = process.cwd();
/** Folder with dev.json, prod.json...; overridable so a team can keep configs elsewhere. */
const configDir = path.resolve(repoRoot, process.env.N8N_ZT_CONFIG_DIR ?? "config");

/**
 * dev's config file: N8N_ZT_DEV_CONFIG (relative to the repository root, or absolute) when set,
 * e.g. config/dev.tenants.json for the two-tenant host; else dev.json in the config folder.
 */
const devConfigFile = process.env.N8N_ZT_DEV_CONFIG ? path.resolve(repoRoot, process.env.N8N_ZT_DEV_CONFIG) : path.join(configDir, "dev.json");

function build(app: App): void {
  // Every config is validated before any stack is built: a bad prod.json stops dev too.
  const dev = loadConfigFile(devConfigSchema, devConfigFile);
  // Production reads config/prod.json; without one, the example is synthesized so reviewers can
  // read a complete prod plan (its placeholder account id makes the provider refuse real accounts).
  const prodFile = path.join(configDir, existsSync(path.join(configDir, "prod.json")) ? "prod.json" : "prod.example.json");
  const prod = loadConfigFile(prodConfigSchema, prodFile);
  // prod-ecs (issue 15) the same way: config/prod-ecs.json, else its example.
  const ecsFile = path.join(configDir, existsSync(path.join(configDir, "prod-ecs.json")) ? "prod-ecs.json" : "prod-ecs.example.json");
  const ecs = loadConfigFile(prodEcsConfigSchema, ecsFile);

  applyZeroTrustPolicy(new DevStack(app, "dev", { config: dev, repoRoot }));
  // prod-cloud (AWS) and prod-runtime (the Docker host), both with state in S3; dev stays local.
  const { cloud, runtime } = buildProdStacks(app, prod);
  applyZeroTrustPolicy(cloud);
  applyZeroTrustPolicy(runtime);
  // prod-ecs: n8n in queue mode on ECS Fargate behind an ALB with OIDC sign-in.
  applyZeroTrustPolicy(buildProdEcsStack(app, ecs));
}

/**
 * cdktf records a full stack trace for every token it creates (`captureStackTrace` with an
 * unlimited depth), only to print it if that token later fails to resolve; formatting those
 * traces was the largest single cost of building the stacks. While the app builds and
 * synthesizes, traces captured into plain objects (cdktf's tokens) are not captured at all (their
 * `stack` stays ""), and real Errors keep their full stack.
 */
function withoutTokenCreationTraces<T>(fn: () => T): T {
  const previous = Error.prepareStackTrace;
  // Collecting the frames costs as much as formatting them (an unlimited depth, for every token:
  // a tenth of a 50-tenant synth): a trace into a plain object is not collected at all.
  const capture = Error.captureStackTrace;
  Error.captureStackTrace = (target: object, ctor?: Function) => {
    if (target instanceof Error) capture(target, ctor);
  };
  Error.prepareStackTrace = (target: unknown, frames: NodeJS.CallSite[]) => {
    if (!(target instanceof Error)) return "";
    if (previous) return previous(target, frames);
    return `${target.name}: ${target.message}${frames.map((f) => `\n    at ${f}`).join("")}`;
  };
  try {
    return fn();
  } finally {
    Error.prepareStackTrace = previous;
    Error.captureStackTrace = capture;
  }
}

const app = new App({ stackTraces: false });
// A config, props or policy error is the user's to fix: what is wrong, no stack trace.
explainUserErrors(() =>
  withoutTokenCreationTraces(() => {
    try {
      build(app);
      app.synth();
    } catch (e) {
      // Nothing in the output folder may pass for this run's plans: neither the earlier run's
      // stacks (`cdktf synth` and `cdktf deploy` keep them) nor those this run wrote before failing.
      const removed = removeSynthesizedStacks(app.outdir);
      if (removed.length > 0) console.error(describeRemoved(app.outdir, removed));
      throw e;
    }
  }),
);
// dev's state lives beside the output folder (stacks/local-state.ts), in a folder only you can read.
for (const note of prepareLocalState(app.outdir, ["dev"], repoRoot)) console.log(`[zero-trust] ${note}`);
