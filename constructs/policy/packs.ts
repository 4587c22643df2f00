import { Rule } from "./rule";
import { CapabilitiesNotDropped } from "./rules/docker/capabilities";
import { DefaultBridge } from "./rules/docker/default-bridge";
import { EdgeExtraPorts } from "./rules/docker/edge-ports";
import { EdgeToData } from "./rules/docker/edge-to-data";
import { ExposedByDefault } from "./rules/docker/exposed-by-default";
import { Healthcheck } from "./rules/docker/healthcheck";
import { InternalNetworks } from "./rules/docker/internal-networks";
import { MemoryLimit } from "./rules/docker/memory-limit";
import { NoNewPrivileges } from "./rules/docker/no-new-privileges";
import { Privileged } from "./rules/docker/privileged";
import { PublishedPorts } from "./rules/docker/published-ports";
import { ReadOnlyRoot } from "./rules/docker/read-only-root";
import { RoutersToInternalEndpoints } from "./rules/docker/routers-internal-endpoints";
import { RoutersWithoutTls } from "./rules/docker/routers-plain-http";
import { RoutersWithoutSso } from "./rules/docker/routers-without-sso";
import { SecretInCommandOrFiles } from "./rules/docker/secret-in-command";
import { SecretValues } from "./rules/docker/secret-values";
import { SocketMounts } from "./rules/docker/socket-mounts";
import { UnpinnedImages } from "./rules/docker/unpinned-images";
import { TRAEFIK_RULES } from "./rules/components/traefik";
import { OAUTH2_PROXY_RULES } from "./rules/components/oauth2-proxy";
import { SOCKET_PROXY_RULES } from "./rules/components/socket-proxy";
import { DEX_RULES } from "./rules/components/dex";
import { N8N_RULES } from "./rules/components/n8n";
import { POSTGRES_RULES } from "./rules/components/postgres";
import { AlarmActions } from "./rules/aws/alarm-actions";
import { AlarmTopicKey } from "./rules/aws/alarm-topic-key";
import { Ec2VolumeKey } from "./rules/aws/ec2-ebs-key";
import { Ec2Imdsv2 } from "./rules/aws/ec2-imdsv2";
import { Ec2KeyPair } from "./rules/aws/ec2-key-pair";
import { Ec2PublicIngress } from "./rules/aws/ec2-public-ingress";
import { IamActionWildcard } from "./rules/aws/iam-action-wildcard";
import { IamPublicResourcePolicy } from "./rules/aws/iam-public-resource-policy";
import { IamResourceWildcard } from "./rules/aws/iam-resource-wildcard";
import { IamRoleTrust } from "./rules/aws/iam-role-trust";
import { IamUnreadablePolicy } from "./rules/aws/iam-unreadable-policy";
import { KmsDeletionWindow } from "./rules/aws/kms-deletion-window";
import { KmsKeyPolicyOpen } from "./rules/aws/kms-key-policy";
import { KmsRotation } from "./rules/aws/kms-rotation";
import { KmsExplicitPolicy } from "./rules/aws/kms-explicit-policy";
import { LambdaConcurrency } from "./rules/aws/lambda-concurrency";
import { LambdaDeadLetter } from "./rules/aws/lambda-dlq";
import { LambdaEnvironmentKey } from "./rules/aws/lambda-env-key";
import { LambdaEnvironmentSecrets } from "./rules/aws/lambda-env-secrets";
import { LambdaTracing } from "./rules/aws/lambda-tracing";
import { LogGroupKey } from "./rules/aws/log-group-key";
import { LogGroupKeyPolicy } from "./rules/aws/log-group-key-policy";
import { LogGroupRetention } from "./rules/aws/log-group-retention";
import { LogGroupRetentionYear } from "./rules/aws/log-group-retention-year";
import { S3AccessLogging } from "./rules/aws/s3-access-logging";
import { S3Encryption } from "./rules/aws/s3-encryption";
import { S3AclsDisabled } from "./rules/aws/s3-ownership";
import { S3PublicAccess } from "./rules/aws/s3-public-access";
import { S3TlsOnly } from "./rules/aws/s3-tls-policy";
import { S3Versioning } from "./rules/aws/s3-versioning";
import { SecretOnCustomerKey } from "./rules/aws/sm-customer-key";
import { SecretRecoveryWindow } from "./rules/aws/sm-recovery-window";
import { SecretRotation } from "./rules/aws/sm-rotation";
import { SecretValueInState } from "./rules/aws/sm-value-in-state";
import { SnsTopicKey } from "./rules/aws/sns-key";
import { VpcDefaultSecurityGroup } from "./rules/aws/vpc-default-sg";
import { VpcFlowLog } from "./rules/aws/vpc-flow-log";
import { SubnetPublicIpByDefault } from "./rules/aws/subnet-public-ip";
import { SqsQueueKey } from "./rules/aws/sqs-key";
import { LambdaPermissionScope } from "./rules/aws/lambda-permission-scope";
import { Ec2UserDataSecrets } from "./rules/aws/ec2-user-data-secrets";

/**
 * Each component's own security settings (issue 19): Traefik, oauth2-proxy, the socket proxy, the dev
 * IdP, n8n and its runners, Postgres — read from flags, environment, labels and the files the plan
 * writes into the container. Part of the docker pack.
 */
export const COMPONENT_RULES: readonly Rule[] = [...TRAEFIK_RULES, ...OAUTH2_PROXY_RULES, ...SOCKET_PROXY_RULES, ...DEX_RULES, ...N8N_RULES, ...POSTGRES_RULES];

/** Docker topology: exposure and segmentation, routing and SSO, container hardening, secrets; and each component's own settings. */
export const DOCKER_PACK: readonly Rule[] = [
  PublishedPorts,
  EdgeExtraPorts,
  EdgeToData,
  InternalNetworks,
  DefaultBridge,
  RoutersWithoutSso,
  RoutersToInternalEndpoints,
  RoutersWithoutTls,
  ExposedByDefault,
  SocketMounts,
  Privileged,
  NoNewPrivileges,
  CapabilitiesNotDropped,
  UnpinnedImages,
  MemoryLimit,
  Healthcheck,
  ReadOnlyRoot,
  SecretValues,
  SecretInCommandOrFiles,
  ...COMPONENT_RULES,
];

/** AWS (hashicorp/aws 5.x resources): S3, KMS, Secrets Manager, CloudWatch Logs and alarms, SNS, Lambda, IAM, EC2 and VPC. */
export const AWS_PACK: readonly Rule[] = [
  S3Encryption,
  S3PublicAccess,
  S3TlsOnly,
  S3Versioning,
  S3AclsDisabled,
  S3AccessLogging,
  KmsRotation,
  KmsKeyPolicyOpen,
  KmsDeletionWindow,
  KmsExplicitPolicy,
  SecretOnCustomerKey,
  SecretValueInState,
  SecretRotation,
  SecretRecoveryWindow,
  LogGroupKey,
  LogGroupRetention,
  LogGroupRetentionYear,
  LogGroupKeyPolicy,
  SnsTopicKey,
  AlarmActions,
  AlarmTopicKey,
  LambdaConcurrency,
  LambdaDeadLetter,
  LambdaTracing,
  LambdaEnvironmentSecrets,
  LambdaEnvironmentKey,
  LambdaPermissionScope,
  SqsQueueKey,
  IamActionWildcard,
  IamResourceWildcard,
  IamPublicResourcePolicy,
  IamRoleTrust,
  IamUnreadablePolicy,
  Ec2Imdsv2,
  Ec2VolumeKey,
  Ec2PublicIngress,
  Ec2KeyPair,
  Ec2UserDataSecrets,
  VpcDefaultSecurityGroup,
  VpcFlowLog,
  SubnetPublicIpByDefault,
];

export const ALL_RULES: readonly Rule[] = [...DOCKER_PACK, ...AWS_PACK];

export const PACKS = { docker: DOCKER_PACK, aws: AWS_PACK, all: ALL_RULES } as const;
export type PackName = keyof typeof PACKS;

/** The rules of one or more packs, each rule once. */
export function rulesOf(packs: PackName | readonly PackName[]): Rule[] {
  const names = typeof packs === "string" ? [packs] : packs;
  const unknown = names.filter((n) => !(n in PACKS));
  if (unknown.length > 0) throw new Error(`unknown policy pack ${unknown.join(", ")}; allowed: ${Object.keys(PACKS).join(", ")}`);
  return [...new Set(names.flatMap((n) => PACKS[n]))];
}
