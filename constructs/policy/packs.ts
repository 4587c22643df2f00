import { Rule } from "./rule";
import { EdgePorts } from "./rules/docker/edge-ports";
import { EdgeToData } from "./rules/docker/edge-to-data";
import { MissingHardening, MissingLimits } from "./rules/docker/hardening";
import { InternalNetworks } from "./rules/docker/internal-networks";
import { Privileged } from "./rules/docker/privileged";
import { PublishedPorts } from "./rules/docker/published-ports";
import { RoutersToInternalEndpoints } from "./rules/docker/routers-internal-endpoints";
import { RoutersWithoutTls } from "./rules/docker/routers-plain-http";
import { RoutersWithoutSso } from "./rules/docker/routers-without-sso";
import { SecretValues } from "./rules/docker/secret-values";
import { SocketMounts } from "./rules/docker/socket-mounts";
import { UnpinnedImages } from "./rules/docker/unpinned-images";
import { IamWildcards } from "./rules/aws/iam-wildcards";
import { KmsRotation } from "./rules/aws/kms-rotation";
import { LambdaHardening } from "./rules/aws/lambda";
import { AlarmActions, LogGroups, SnsTopicKey } from "./rules/aws/logs-sns-alarms";
import { S3Encryption } from "./rules/aws/s3-encryption";
import { S3PublicAccess } from "./rules/aws/s3-public-access";
import { S3TlsPolicy } from "./rules/aws/s3-tls-policy";
import { S3VersioningAndOwnership } from "./rules/aws/s3-versioning-ownership";
import { SecretRotation, SecretsOnCustomerKey, SecretValueInState } from "./rules/aws/secrets-manager";

/** Docker topology: exposure, segmentation, container hardening, secrets. */
export const DOCKER_PACK: readonly Rule[] = [
  PublishedPorts,
  EdgePorts,
  EdgeToData,
  InternalNetworks,
  RoutersWithoutSso,
  RoutersToInternalEndpoints,
  RoutersWithoutTls,
  SocketMounts,
  Privileged,
  MissingHardening,
  UnpinnedImages,
  MissingLimits,
  SecretValues,
];

/** AWS: S3, KMS, Secrets Manager, CloudWatch Logs, SNS, alarms, Lambda, IAM. */
export const AWS_PACK: readonly Rule[] = [
  S3Encryption,
  S3PublicAccess,
  S3TlsPolicy,
  S3VersioningAndOwnership,
  KmsRotation,
  SecretsOnCustomerKey,
  SecretValueInState,
  SecretRotation,
  LogGroups,
  SnsTopicKey,
  AlarmActions,
  LambdaHardening,
  IamWildcards,
];

export const ALL_RULES: readonly Rule[] = [...DOCKER_PACK, ...AWS_PACK];

export const PACKS = { docker: DOCKER_PACK, aws: AWS_PACK, all: ALL_RULES } as const;
export type PackName = keyof typeof PACKS;
