import { S3Backend, TerraformStack } from "cdktf";

export interface StateBackendConfig {
  readonly bucket: string;
  readonly region: string;
  /** State of stack <id> lives at `<keyPrefix>/<id>.tfstate`. */
  readonly keyPrefix: string;
  /** KMS key for the state objects. @default - the bucket's default encryption */
  readonly kmsKeyId?: string;
}

/**
 * Puts a stack's state in S3: encrypted, and locked with S3's native lock file (Terraform >= 1.10;
 * no DynamoDB table). The bucket is created once by hand (see the README's bootstrap), never by
 * the stack whose state it holds.
 */
export function useS3StateBackend(stack: TerraformStack, cfg: StateBackendConfig): S3Backend {
  const backend = new S3Backend(stack, { bucket: cfg.bucket, region: cfg.region, key: `${cfg.keyPrefix}/${stack.node.id}.tfstate`, encrypt: true, kmsKeyId: cfg.kmsKeyId });
  // cdktf 0.21 has no typed option for it yet.
  backend.addOverride("use_lockfile", true);
  return backend;
}
