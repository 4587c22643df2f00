import { Construct } from "constructs";
import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Validator } from "../common/validation";
import { SECRET_FILES, QUEUE_SECRET_FILES, TLS_FILES } from "../common/secret-files";
import { N8nDatabase, N8nProps, n8nEnvironment, n8nQueueEnvironment, withoutRunners } from "../app/n8n";
import { HostRole } from "../aws/host-role";
import { AwsEnvironment } from "../aws/iam";
import { CustomerManagedKey } from "../aws/kms-key";
import { ManagedSecret } from "../aws/managed-secret";
import { EncryptedLogGroup } from "../aws/monitoring";
import { N8N_PORT } from "./edge";
import { fargateSizeProblem } from "./fargate";
import { hardenedContainer, InitVolume, secretsInitContainer } from "./task-containers";

/** The three n8n processes of queue mode, each its own ECS service. */
export type N8nProcess = "main" | "webhook" | "worker";
export const N8N_PROCESSES: readonly N8nProcess[] = ["main", "webhook", "worker"];

export interface FargateSize {
  /** CPU units (256 ... 16384). */
  readonly cpu: number;
  readonly memoryMb: number;
}

export interface N8nServicesProps {
  readonly environment: AwsEnvironment;
  /** Prefix of the cluster, services, task families and roles. */
  readonly prefix: string;
  readonly key: CustomerManagedKey;
  readonly vpcId: string;
  readonly privateSubnetIds: string[];
  /** Private subnets' ranges: the tasks' egress to Postgres and Valkey. */
  readonly privateSubnetCidrs: string[];
  readonly images: { readonly n8n: string; readonly n8nRunners: string };
  readonly runAs: { readonly uid: number; readonly gid: number };
  /** Public host (`n8n.example.com`). */
  readonly host: string;
  readonly database: N8nDatabase;
  readonly redis: { readonly host: string; readonly port: number; readonly user: string };
  /** The n8n secrets every n8n process reads as files. */
  readonly secrets: { readonly encryptionKey: ManagedSecret; readonly dbLogin: ManagedSecret; readonly runnersToken: ManagedSecret; readonly valkeyPassword: ManagedSecret };
  /** Public CA bundle of RDS (written as `tls/ca.pem`). @default - none: n8n refuses to connect to Postgres */
  readonly postgresCaPem?: string;
  readonly n8n: {
    readonly timezone: string;
    readonly executionsMaxAgeHours: number;
    readonly logLevel: "error" | "warn" | "info" | "debug";
    readonly concurrency: number;
    readonly dbPoolSize: number;
    readonly ssrfProtection?: N8nProps["ssrfProtection"];
  };
  readonly sizes: Readonly<Record<N8nProcess, FargateSize>>;
  /** The runners sidecar's memory in the main and worker tasks. */
  readonly runnersMemoryMb: number;
  /** Task counts (main is always 1). */
  readonly scaling: {
    readonly webhook: { readonly min: number; readonly max: number; readonly requestsPerTarget: number };
    readonly worker: { readonly min: number; readonly max: number; readonly backlogPerTask: number; readonly metricNamespace: string };
  };
  /** One encrypted log group per process. */
  readonly logGroups: Readonly<Record<N8nProcess, EncryptedLogGroup>>;
  /** The ALB's target groups and its group (the only source main and webhook admit). */
  readonly alb: { readonly securityGroupId: string; readonly mainTargetGroupArn: string; readonly webhookTargetGroupArn: string; readonly resourceLabel: (targetGroup: "webhook") => string };
}

/**
 * n8n in queue mode on ECS Fargate: a cluster with Container Insights and its ephemeral storage
 * encrypted with the customer key, and one service per process —
 *
 * - `main` (one task): editor, REST API, test webhooks, behind the ALB's sign-in; n8n + runners sidecar;
 * - `webhook` (scaled on ALB requests per target): the public production paths; n8n only: a
 *   webhook process starts no task broker (as in the Docker runtime), so a runners sidecar would have nothing to serve;
 * - `worker` (scaled on waiting executions per task): runs executions; n8n + runners sidecar.
 *
 * Every task runs in the private subnets without a public IP, its containers non-root on a
 * read-only root with all capabilities dropped; secrets reach n8n as files (see task-containers.ts);
 * each service has its own execution role that reads only its own secrets and writes only its own
 * log group (no task role: n8n calls no AWS API), and ECS Exec is off.
 */
export class N8nServices extends Construct {
  public readonly cluster: EcsCluster;
  public readonly services: Readonly<Record<N8nProcess, EcsService>>;
  public readonly taskDefinitions: Readonly<Record<N8nProcess, EcsTaskDefinition>>;
  public readonly securityGroups: Readonly<Record<N8nProcess, SecurityGroup>>;
  public readonly executionRoles: Readonly<Record<N8nProcess, HostRole>>;
  public readonly clusterName: string;
  public readonly serviceNames: Readonly<Record<N8nProcess, string>>;

  constructor(scope: Construct, id: string, props: N8nServicesProps) {
    super(scope, id);
    validateServicesProps(this.node.path, props);
    const p = props.prefix;
    const env = props.environment;
    this.clusterName = `${p}-cluster`;
    this.allowFargateStorage(props.key, env);
    this.cluster = new EcsCluster(this, "Resource", {
      name: this.clusterName,
      setting: [{ name: "containerInsights", value: "enhanced" }],
      configuration: { managedStorageConfiguration: { fargateEphemeralStorageKmsKeyId: props.key.key.keyId } },
    });
    this.serviceNames = { main: `${p}-main`, webhook: `${p}-webhook`, worker: `${p}-worker` };

    const roles = {} as Record<N8nProcess, HostRole>;
    const groups = {} as Record<N8nProcess, SecurityGroup>;
    const defs = {} as Record<N8nProcess, EcsTaskDefinition>;
    const services = {} as Record<N8nProcess, EcsService>;
    for (const proc of N8N_PROCESSES) {
      roles[proc] = this.executionRole(proc, props);
      groups[proc] = this.securityGroup(proc, props);
      defs[proc] = this.taskDefinition(proc, props, roles[proc]);
      services[proc] = this.service(proc, props, defs[proc], groups[proc]);
    }
    this.executionRoles = roles;
    this.securityGroups = groups;
    this.taskDefinitions = defs;
    this.services = services;
    this.addScaling(props);
  }

  /** Fargate encrypts each task's ephemeral storage with a data key of the cluster's key. */
  private allowFargateStorage(key: CustomerManagedKey, env: AwsEnvironment): void {
    const context = { StringEquals: { "kms:EncryptionContext:aws:ecs:clusterAccount": [env.accountId], "kms:EncryptionContext:aws:ecs:clusterName": [this.clusterName] } };
    key.addServiceStatement({ Sid: "FargateEphemeralStorageDataKeys", Effect: "Allow", Principal: { Service: "fargate.amazonaws.com" }, Action: "kms:GenerateDataKeyWithoutPlaintext", Resource: "*", Condition: context });
    key.addServiceStatement({
      Sid: "FargateEphemeralStorageGrants",
      Effect: "Allow",
      Principal: { Service: "fargate.amazonaws.com" },
      Action: "kms:CreateGrant",
      Resource: "*",
      Condition: { ...context, "ForAllValues:StringEquals": { "kms:GrantOperations": ["Decrypt"] } },
    });
  }

  /** The secrets a process reads (runners' token only where a sidecar runs). */
  private secretsOf(proc: N8nProcess, props: N8nServicesProps): ManagedSecret[] {
    const s = props.secrets;
    return proc === "webhook" ? [s.encryptionKey, s.dbLogin, s.valkeyPassword] : [s.encryptionKey, s.dbLogin, s.valkeyPassword, s.runnersToken];
  }

  private executionRole(proc: N8nProcess, props: N8nServicesProps): HostRole {
    const role = new HostRole(this, `ExecutionRole-${proc}`, {
      environment: props.environment,
      roleName: `${props.prefix}-${proc}-execution`,
      description: `ECS pulls n8n ${proc} images, reads its own secrets and writes its own log group`,
      servicePrincipal: "ecs-tasks.amazonaws.com",
    });
    const secrets = this.secretsOf(proc, props);
    secrets.forEach((s) => s.grantRead(role.principalArn));
    const arns = secrets.map((s) => s.secretArn);
    const logs = props.logGroups[proc];
    role.addToPolicy(
      { Sid: "ReadOwnSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arns },
      { Sid: "DecryptOwnSecretsViaSecretsManager", ...props.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: arns }) },
      { Sid: "WriteOwnLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logs.logGroupArn}:log-stream:*` },
    );
    return role;
  }

  /** Inbound only from the ALB (main, webhook; workers take no connection); out to Postgres, Valkey and HTTPS. */
  private securityGroup(proc: N8nProcess, props: N8nServicesProps): SecurityGroup {
    return new SecurityGroup(this, `SecurityGroup-${proc}`, {
      name: `${props.prefix}-${proc}`,
      description: `n8n ${proc}: ${proc === "worker" ? "no inbound" : "n8n port from the ALB only"}; out to Postgres, Valkey and HTTPS`,
      vpcId: props.vpcId,
      ingress: proc === "worker" ? [] : [{ description: "n8n from the ALB", protocol: "tcp", fromPort: N8N_PORT, toPort: N8N_PORT, securityGroups: [props.alb.securityGroupId] }],
      egress: [
        { description: "Postgres (TLS) in the private subnets", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: props.privateSubnetCidrs },
        { description: "Valkey (TLS) in the private subnets", protocol: "tcp", fromPort: props.redis.port, toPort: props.redis.port, cidrBlocks: props.privateSubnetCidrs },
        // The VPC endpoints (secrets, logs, ECR), image pulls from the registry and n8n's calls to
        // AI and SaaS APIs, through the NAT gateway. HTTPS only.
        { description: "HTTPS: VPC endpoints, the image registry and n8n API calls (NAT)", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ],
      tags: { Name: `${props.prefix}-${proc}` },
    });
  }

  /** n8n's environment for a process: shared with the Docker runtime (n8nEnvironment), plus queue mode and ECS's differences. */
  private environmentOf(proc: N8nProcess, props: N8nServicesProps): Record<string, string> {
    const n = props.n8n;
    const base = {
      ...n8nEnvironment({ host: props.host, database: props.database, ssrfProtection: n.ssrfProtection, logLevel: n.logLevel, maxPublicBodyMb: 16, executionsMaxAgeHours: n.executionsMaxAgeHours, timezone: n.timezone }),
      ...n8nQueueEnvironment({ redis: props.redis, dbPoolSize: n.dbPoolSize }),
      // The runners sidecar shares the task's network namespace: the broker listens on loopback only.
      N8N_RUNNERS_BROKER_LISTEN_ADDRESS: "127.0.0.1",
    };
    switch (proc) {
      case "main":
        // The webhook service serves the production paths (the ALB sends them there).
        return { ...base, N8N_DISABLE_PRODUCTION_MAIN_PROCESS: "true" };
      case "webhook":
        return withoutRunners(base);
      case "worker":
        return { ...base, QUEUE_HEALTH_CHECK_ACTIVE: "true", QUEUE_HEALTH_CHECK_PORT: String(N8N_PORT), N8N_WORKER_SERVER_ADDRESS: "127.0.0.1", N8N_GRACEFUL_SHUTDOWN_TIMEOUT: "30" };
    }
  }

  private taskDefinition(proc: N8nProcess, props: N8nServicesProps, role: HostRole): EcsTaskDefinition {
    const s = props.secrets;
    const log = { group: props.logGroups[proc].logGroupName, region: props.environment.region };
    const withRunners = proc !== "webhook";
    const n8nFiles: InitVolume = {
      name: "n8n-secrets",
      files: [
        { file: SECRET_FILES.n8nEncryptionKey, valueFrom: s.encryptionKey.secretArn },
        { file: SECRET_FILES.n8nDbPassword, valueFrom: `${s.dbLogin.secretArn}:password::` },
        { file: SECRET_FILES.n8nDbUser, valueFrom: `${s.dbLogin.secretArn}:username::` },
        { file: QUEUE_SECRET_FILES.valkeyPassword, valueFrom: `${s.valkeyPassword.secretArn}:password::` },
        ...(withRunners ? [{ file: SECRET_FILES.n8nRunnersAuthToken, valueFrom: s.runnersToken.secretArn }] : []),
        ...(props.postgresCaPem ? [{ file: TLS_FILES.caCert, literal: props.postgresCaPem }] : []),
      ],
    };
    const runnerFiles: InitVolume = { name: "runner-secrets", files: [{ file: SECRET_FILES.n8nRunnersAuthToken, valueFrom: s.runnersToken.secretArn }] };
    const n8nScratch = { "n8n-home": "/home/node/.n8n", "n8n-cache": "/home/node/.cache", "n8n-files": "/home/node/.n8n-files", "n8n-tmp": "/tmp" };
    const runnersScratch = { "runners-tmp": "/tmp" };
    const scratch = [...Object.keys(n8nScratch), ...(withRunners ? Object.keys(runnersScratch) : [])];
    const volumes = withRunners ? [n8nFiles, runnerFiles] : [n8nFiles];
    const size = props.sizes[proc];
    const runnersMb = withRunners ? props.runnersMemoryMb : 0;
    const init = secretsInitContainer({ image: props.images.n8n, uid: props.runAs.uid, gid: props.runAs.gid, volumes, scratch, log });
    const n8n = hardenedContainer({
      name: "n8n",
      image: props.images.n8n,
      uid: props.runAs.uid,
      gid: props.runAs.gid,
      command: proc === "worker" ? ["worker", `--concurrency=${props.n8n.concurrency}`] : proc === "webhook" ? ["webhook"] : undefined,
      environment: this.environmentOf(proc, props),
      secretsVolume: "n8n-secrets",
      scratch: n8nScratch,
      memoryMb: size.memoryMb - runnersMb - 128,
      port: proc === "worker" ? undefined : N8N_PORT,
      healthUrl: `http://127.0.0.1:${N8N_PORT}/healthz/readiness`,
      // Above N8N_GRACEFUL_SHUTDOWN_TIMEOUT for workers: running executions finish before the kill.
      stopTimeoutSeconds: proc === "worker" ? 45 : 30,
      dependsOn: [{ containerName: "secrets-init", condition: "SUCCESS" }],
      log,
    });
    const runners = withRunners
      ? [
          hardenedContainer({
            name: "runners",
            image: props.images.n8nRunners,
            uid: props.runAs.uid,
            gid: props.runAs.gid,
            environment: {
              N8N_RUNNERS_TASK_BROKER_URI: "http://127.0.0.1:5679",
              N8N_RUNNERS_AUTH_TOKEN_FILE: `/run/secrets/${SECRET_FILES.n8nRunnersAuthToken}`,
              N8N_RUNNERS_LAUNCHER_HEALTH_CHECK_PORT: "5680",
              N8N_RUNNERS_AUTO_SHUTDOWN_TIMEOUT: "15",
              GENERIC_TIMEZONE: props.n8n.timezone,
            },
            secretsVolume: "runner-secrets",
            scratch: runnersScratch,
            memoryMb: runnersMb,
            healthUrl: "http://127.0.0.1:5680/healthz",
            stopTimeoutSeconds: 30,
            dependsOn: [
              { containerName: "secrets-init", condition: "SUCCESS" },
              { containerName: "n8n", condition: "START" },
            ],
            log,
          }),
        ]
      : [];
    return new EcsTaskDefinition(this, `Task-${proc}`, {
      family: `${props.prefix}-${proc}`,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: String(size.cpu),
      memory: String(size.memoryMb),
      executionRoleArn: role.role.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify([init, n8n, ...runners]),
      volume: [...volumes.map((v) => v.name), ...scratch].map((name) => ({ name })),
      dependsOn: [role.policy],
    });
  }

  private service(proc: N8nProcess, props: N8nServicesProps, task: EcsTaskDefinition, group: SecurityGroup): EcsService {
    const targetGroup = proc === "main" ? props.alb.mainTargetGroupArn : proc === "webhook" ? props.alb.webhookTargetGroupArn : undefined;
    const scaled = proc !== "main";
    return new EcsService(this, `Service-${proc}`, {
      name: this.serviceNames[proc],
      cluster: this.cluster.arn,
      taskDefinition: task.arn,
      launchType: "FARGATE",
      platformVersion: "LATEST",
      desiredCount: proc === "main" ? 1 : props.scaling[proc].min,
      // main: n8n's community edition runs one main process; never two at once (schedules, the editor's state).
      deploymentMinimumHealthyPercent: proc === "main" ? 0 : 100,
      deploymentMaximumPercent: proc === "main" ? 100 : 200,
      deploymentCircuitBreaker: { enable: true, rollback: true },
      enableExecuteCommand: false,
      propagateTags: "SERVICE",
      networkConfiguration: { subnets: props.privateSubnetIds, securityGroups: [group.id], assignPublicIp: false },
      loadBalancer: targetGroup ? [{ targetGroupArn: targetGroup, containerName: "n8n", containerPort: N8N_PORT }] : undefined,
      healthCheckGracePeriodSeconds: targetGroup ? 120 : undefined,
      // Autoscaling owns the count of scaled services.
      lifecycle: scaled ? { ignoreChanges: ["desired_count"] } : undefined,
    });
  }

  /** webhook: ALB requests per target; worker: waiting executions per running worker task (metric math). */
  private addScaling(props: N8nServicesProps): void {
    const target = (proc: "webhook" | "worker", min: number, max: number) =>
      new AppautoscalingTarget(this, `ScalingTarget-${proc}`, {
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: `service/${this.clusterName}/${this.serviceNames[proc]}`,
        minCapacity: min,
        maxCapacity: max,
        dependsOn: [this.services[proc]],
      });
    const w = props.scaling.webhook;
    const webhookTarget = target("webhook", w.min, w.max);
    new AppautoscalingPolicy(this, "Scaling-webhook", {
      name: `${props.prefix}-webhook-requests`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: webhookTarget.serviceNamespace,
      scalableDimension: webhookTarget.scalableDimension,
      resourceId: webhookTarget.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: w.requestsPerTarget,
        predefinedMetricSpecification: { predefinedMetricType: "ALBRequestCountPerTarget", resourceLabel: props.alb.resourceLabel("webhook") },
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
      },
    });
    const k = props.scaling.worker;
    const workerTarget = target("worker", k.min, k.max);
    new AppautoscalingPolicy(this, "Scaling-worker", {
      name: `${props.prefix}-worker-backlog`,
      policyType: "TargetTrackingScaling",
      serviceNamespace: workerTarget.serviceNamespace,
      scalableDimension: workerTarget.scalableDimension,
      resourceId: workerTarget.resourceId,
      targetTrackingScalingPolicyConfiguration: {
        targetValue: k.backlogPerTask,
        scaleInCooldown: 300,
        scaleOutCooldown: 60,
        customizedMetricSpecification: {
          metrics: [
            { id: "waiting", returnData: false, metricStat: { stat: "Maximum", metric: { namespace: k.metricNamespace, metricName: "QueueWaiting", dimensions: [{ name: "Cluster", value: this.clusterName }] } } },
            {
              id: "tasks",
              returnData: false,
              metricStat: { stat: "Average", metric: { namespace: "ECS/ContainerInsights", metricName: "RunningTaskCount", dimensions: [{ name: "ClusterName", value: this.clusterName }, { name: "ServiceName", value: this.serviceNames.worker }] } },
            },
            // Backlog per task; at least one task counted, so an empty service does not divide by zero.
            { id: "backlog_per_task", label: "Waiting executions per worker task", returnData: true, expression: "waiting / MAX([tasks, 1])" },
          ],
        },
      },
    });
  }
}

function validateServicesProps(path: string, props: N8nServicesProps): void {
  const v = new Validator(`Invalid props for ${path}`);
  for (const proc of N8N_PROCESSES) {
    const problem = fargateSizeProblem(props.sizes[proc].cpu, props.sizes[proc].memoryMb);
    if (problem) v.add(`sizes.${proc}.${problem.field}`, problem.message);
  }
  for (const proc of ["webhook", "worker"] as const) {
    const s = props.scaling[proc];
    v.check(Number.isInteger(s.min) && s.min >= 1 && s.min <= s.max, `scaling.${proc}.min`, `must be from 1 to scaling.${proc}.max (${s.max})`);
  }
  for (const proc of ["main", "worker"] as const) v.check(props.runnersMemoryMb + 128 < props.sizes[proc].memoryMb, "runnersMemoryMb", `must leave n8n memory in sizes.${proc}.memoryMb`);
  v.check(props.runAs.uid > 0 && props.runAs.gid > 0, "runAs", "must not be root (0)");
  v.throwIfAny();
}
