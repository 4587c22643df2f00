import { Rule } from "./rule";
import { CapabilitiesNotDropped } from "./rules/docker/zt-ctr-004-capabilities-not-dropped";
import { DefaultBridge } from "./rules/docker/zt-net-005-default-bridge";
import { EdgeExtraPorts } from "./rules/docker/zt-net-002-edge-extra-ports";
import { EdgeToData } from "./rules/docker/zt-net-003-edge-to-data";
import { ExposedByDefault } from "./rules/docker/zt-edge-004-exposed-by-default";
import { Healthcheck } from "./rules/docker/zt-ctr-007-healthcheck";
import { InternalNetworks } from "./rules/docker/zt-net-004-internal-networks";
import { MemoryLimit } from "./rules/docker/zt-ctr-006-memory-limit";
import { NoNewPrivileges } from "./rules/docker/zt-ctr-003-no-new-privileges";
import { Privileged } from "./rules/docker/zt-ctr-002-privileged";
import { PublishedPorts } from "./rules/docker/zt-net-001-published-ports";
import { ReadOnlyRoot } from "./rules/docker/zt-ctr-008-read-only-root";
import { RoutersToInternalEndpoints } from "./rules/docker/zt-edge-002-routers-to-internal-endpoints";
import { RoutersWithoutTls } from "./rules/docker/zt-edge-003-routers-without-tls";
import { RoutersWithoutSso } from "./rules/docker/zt-edge-001-routers-without-sso";
import { SecretInCommandOrFiles } from "./rules/docker/zt-sec-002-secret-in-command-or-files";
import { SecretValues } from "./rules/docker/zt-sec-001-secret-values";
import { SocketMounts } from "./rules/docker/zt-ctr-001-socket-mounts";
import { UnpinnedImages } from "./rules/docker/zt-ctr-005-unpinned-images";
import { TRAEFIK_RULES } from "./rules/components/traefik";
import { OAUTH2_PROXY_RULES } from "./rules/components/oauth2-proxy";
import { SOCKET_PROXY_RULES } from "./rules/components/socket-proxy";
import { DEX_RULES } from "./rules/components/dex";
import { N8N_RULES } from "./rules/components/n8n";
import { POSTGRES_RULES } from "./rules/components/postgres";
import { VALKEY_RULES } from "./rules/components/valkey";
import { QueueStoreReachable } from "./rules/docker/zt-net-006-queue-store-reachable";
import { TenantSharedNetwork } from "./rules/docker/zt-ten-001-tenant-shared-network";
import { TenantSharedDatabase } from "./rules/docker/zt-ten-002-tenant-shared-database";
import { TenantSharedSecret } from "./rules/docker/zt-ten-003-tenant-shared-secret";
import { TenantSharedKey } from "./rules/docker/zt-ten-004-tenant-shared-key";
import { TenantSharedCookie } from "./rules/docker/zt-ten-005-tenant-shared-cookie";
import { TenantForeignKey } from "./rules/aws/zt-ten-007-tenant-foreign-key";
import { TenantForeignAccess } from "./rules/aws/zt-ten-008-tenant-foreign-access";
import { TenantCrossRouting } from "./rules/docker/zt-ten-006-tenant-cross-routing";
import { AlarmActions } from "./rules/aws/zt-aws-cw-001-alarm-actions";
import { AlarmTopicKey } from "./rules/aws/zt-aws-cw-002-alarm-topic-key";
import { Ec2VolumeKey } from "./rules/aws/zt-aws-ec2-002-ec2-volume-key";
import { Ec2Imdsv2 } from "./rules/aws/zt-aws-ec2-001-ec2-imdsv2";
import { Ec2KeyPair } from "./rules/aws/zt-aws-ec2-004-ec2-key-pair";
import { Ec2PublicIngress } from "./rules/aws/zt-aws-ec2-003-ec2-public-ingress";
import { IamActionWildcard } from "./rules/aws/zt-aws-iam-001-iam-action-wildcard";
import { IamPublicResourcePolicy } from "./rules/aws/zt-aws-iam-003-iam-public-resource-policy";
import { IamResourceWildcard } from "./rules/aws/zt-aws-iam-002-iam-resource-wildcard";
import { IamRoleTrust } from "./rules/aws/zt-aws-iam-004-iam-role-trust";
import { IamUnreadablePolicy } from "./rules/aws/zt-aws-iam-005-iam-unreadable-policy";
import { KmsDeletionWindow } from "./rules/aws/zt-aws-kms-003-kms-deletion-window";
import { KmsKeyPolicyOpen } from "./rules/aws/zt-aws-kms-002-kms-key-policy-open";
import { KmsRotation } from "./rules/aws/zt-aws-kms-001-kms-rotation";
import { KmsExplicitPolicy } from "./rules/aws/zt-aws-kms-004-kms-explicit-policy";
import { LambdaConcurrency } from "./rules/aws/zt-aws-lmb-001-lambda-concurrency";
import { LambdaDeadLetter } from "./rules/aws/zt-aws-lmb-002-lambda-dead-letter";
import { LambdaEnvironmentKey } from "./rules/aws/zt-aws-lmb-005-lambda-environment-key";
import { LambdaEnvironmentSecrets } from "./rules/aws/zt-aws-lmb-004-lambda-environment-secrets";
import { LambdaTracing } from "./rules/aws/zt-aws-lmb-003-lambda-tracing";
import { LogGroupKey } from "./rules/aws/zt-aws-log-001-log-group-key";
import { LogGroupKeyPolicy } from "./rules/aws/zt-aws-log-004-log-group-key-policy";
import { LogGroupRetention } from "./rules/aws/zt-aws-log-002-log-group-retention";
import { LogGroupRetentionYear } from "./rules/aws/zt-aws-log-003-log-group-retention-year";
import { S3AccessLogging } from "./rules/aws/zt-aws-s3-006-s3-access-logging";
import { S3Encryption } from "./rules/aws/zt-aws-s3-001-s3-encryption";
import { S3AclsDisabled } from "./rules/aws/zt-aws-s3-005-s3-acls-disabled";
import { S3PublicAccess } from "./rules/aws/zt-aws-s3-002-s3-public-access";
import { S3TlsOnly } from "./rules/aws/zt-aws-s3-003-s3-tls-only";
import { S3Versioning } from "./rules/aws/zt-aws-s3-004-s3-versioning";
import { SecretOnCustomerKey } from "./rules/aws/zt-aws-sm-001-secret-on-customer-key";
import { SecretRecoveryWindow } from "./rules/aws/zt-aws-sm-004-secret-recovery-window";
import { SecretRotation } from "./rules/aws/zt-aws-sm-003-secret-rotation";
import { SecretValueInState } from "./rules/aws/zt-aws-sm-002-secret-value-in-state";
import { SnsTopicKey } from "./rules/aws/zt-aws-sns-001-sns-topic-key";
import { VpcDefaultSecurityGroup } from "./rules/aws/zt-aws-vpc-001-vpc-default-security-group";
import { VpcFlowLog } from "./rules/aws/zt-aws-vpc-002-vpc-flow-log";
import { SubnetPublicIpByDefault } from "./rules/aws/zt-aws-vpc-003-subnet-public-ip-by-default";
import { SqsQueueKey } from "./rules/aws/zt-aws-sqs-001-sqs-queue-key";
import { LambdaPermissionScope } from "./rules/aws/zt-aws-lmb-006-lambda-permission-scope";
import { Ec2UserDataSecrets } from "./rules/aws/zt-aws-ec2-005-ec2-user-data-secrets";
import { EcsTaskHardening } from "./rules/aws/zt-aws-ecs-001-ecs-task-hardening";
import { EcsServicePublicIp } from "./rules/aws/zt-aws-ecs-002-ecs-service-public-ip";
import { AlbListenerTls } from "./rules/aws/zt-aws-alb-001-alb-listener-tls";
import { AlbHardening } from "./rules/aws/zt-aws-alb-002-alb-hardening";
import { RdsInstanceHardening } from "./rules/aws/zt-aws-rds-001-rds-instance-hardening";
import { ElasticacheEncryption } from "./rules/aws/zt-aws-ecc-001-elasticache-encryption";
import { AlbWebAcl } from "./rules/aws/zt-aws-waf-001-alb-web-acl";

/**
 * Each component's own security settings (issue 19): Traefik, oauth2-proxy, the socket proxy, the dev
 * IdP, n8n and its runners, Postgres — read from flags, environment, labels and the files the plan
 * writes into the container. Part of the docker pack.
 */
export const COMPONENT_RULES: readonly Rule[] = [...TRAEFIK_RULES, ...OAUTH2_PROXY_RULES, ...SOCKET_PROXY_RULES, ...DEX_RULES, ...N8N_RULES, ...POSTGRES_RULES, ...VALKEY_RULES];

/**
 * Tenants on one host (issue 16): no network, database role, secret, key, cookie or route shared
 * between two tenants. They find nothing on a stack without tenant labels. Part of the docker pack.
 */
export const TENANT_RULES: readonly Rule[] = [TenantSharedNetwork, TenantSharedDatabase, TenantSharedSecret, TenantSharedKey, TenantSharedCookie, TenantCrossRouting];

/**
 * Tenants in AWS (issue 16): a tenant's resources only on its own key, and a tenant's principals
 * only on its own secrets, key and logs. They find nothing on a stack without tenant tags. Part of the AWS pack.
 */
export const TENANT_AWS_RULES: readonly Rule[] = [TenantForeignKey, TenantForeignAccess];

/** Docker topology: exposure and segmentation, routing and SSO, container hardening, secrets; and each component's own settings. */
export const DOCKER_PACK: readonly Rule[] = [
  PublishedPorts,
  EdgeExtraPorts,
  EdgeToData,
  QueueStoreReachable,
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
  ...TENANT_RULES,
  ...COMPONENT_RULES,
];

/** AWS (hashicorp/aws 5.x resources): S3, KMS, Secrets Manager, CloudWatch Logs and alarms, SNS, Lambda, IAM, EC2 and VPC, ECS, ALB, RDS, ElastiCache and WAF. */
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
  EcsTaskHardening,
  EcsServicePublicIp,
  AlbListenerTls,
  AlbHardening,
  RdsInstanceHardening,
  ElasticacheEncryption,
  AlbWebAcl,
  ...TENANT_AWS_RULES,
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
