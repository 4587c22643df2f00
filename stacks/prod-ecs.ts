import { App } from "cdktf";
import { AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import { ProdEcsConfig } from "../config/prod-ecs-schema";
import { useS3StateBackend } from "../constructs/common/s3-backend";
import { ProdEcsStack } from "./prod-ecs-stack";

export interface BuildProdEcsOptions {
  /** @default "prod-ecs" */
  readonly id?: string;
  /** State in the config's S3 backend. @default true */
  readonly s3Backend?: boolean;
  /** Only for tests (offline plans). */
  readonly providerOverrides?: Partial<AwsProviderConfig>;
}

/** `prod-ecs` from its validated config, as main.ts and the tests build it (state in S3 with locking). */
export function buildProdEcsStack(app: App, config: ProdEcsConfig, opts: BuildProdEcsOptions = {}): ProdEcsStack {
  const stack = new ProdEcsStack(app, opts.id ?? "prod-ecs", { config, providerOverrides: opts.providerOverrides });
  if (opts.s3Backend ?? true) useS3StateBackend(stack, config.backend);
  return stack;
}
