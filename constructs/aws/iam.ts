import { AWS_ACCOUNT_ID, AWS_NAME, AWS_REGION, EMAIL } from "../common/patterns";

/** An IAM policy statement as plain data, so policies read naturally in `cdk.tf.json`. */
export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | { readonly AWS?: string | string[]; readonly Service?: string | string[] };
  readonly Action: string | string[];
  readonly Resource?: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

/** Renders a policy document (tokens inside are resolved by cdktf at synth). */
export function policyDocument(statements: PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** Where the stack lives: needed to build ARNs and key-policy conditions without calling AWS. */
export interface AwsEnvironment {
  readonly accountId: string;
  readonly region: string;
  /** ARN partition. @default - `aws` (commercial regions) */
  readonly partition?: string;
}

export function partitionOf(env: AwsEnvironment): string {
  return env.partition ?? "aws";
}

/** The account root principal ARN (enables IAM policies to grant use of a resource). */
export function accountRootArn(env: AwsEnvironment): string {
  return `arn:${partitionOf(env)}:iam::${env.accountId}:root`;
}

/** CloudWatch Logs' allowed retention values, in days. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

// The public API's names for formats that live in common/patterns (one definition for the config and the constructs).
export const ACCOUNT_ID_PATTERN = AWS_ACCOUNT_ID.pattern;
export const REGION_PATTERN = AWS_REGION.pattern;
/** Names of AWS resources derived from a prefix: lower-case, digits and dashes. */
export const AWS_NAME_PATTERN = AWS_NAME.pattern;
export const EMAIL_PATTERN = EMAIL.pattern;
