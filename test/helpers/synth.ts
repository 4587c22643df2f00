import { readFileSync } from "node:fs";
import path from "node:path";
import { Testing } from "cdktf";
import { DevConfig, devConfigSchema, parseConfig } from "../../config/schema";
import { dockerModel, DockerModel, StackJson } from "../../constructs/policy/docker-model";
import { DevStack } from "../../stacks/dev-stack";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The committed dev config as raw JSON (a fresh copy each call, safe to mutate). */
export function rawDevConfig(): Record<string, any> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, "config", "dev.json"), "utf8"));
}

/** Validates a raw config the way main.ts does. */
export function devConfig(raw: unknown = rawDevConfig()): DevConfig {
  return parseConfig(devConfigSchema, raw, "test config");
}

/** Synthesizes the dev stack and returns its JSON. */
export function synthDev(config: DevConfig = devConfig()): { json: StackJson; text: string; model: DockerModel } {
  const app = Testing.app();
  const stack = new DevStack(app, "dev", { config, repoRoot: REPO_ROOT });
  const text = Testing.synth(stack);
  const json = JSON.parse(text) as StackJson;
  return { json, text, model: dockerModel(json) };
}
