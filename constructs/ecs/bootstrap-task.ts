import { Construct } from "constructs";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { SECRET_FILES, TLS_FILES } from "../common/secret-files";
import { PostgresBootstrapProps, renderPostgresBootstrap } from "../data/postgres-bootstrap";
import { HostRole } from "../aws/host-role";
import { AwsEnvironment } from "../aws/iam";
import { CustomerManagedKey } from "../aws/kms-key";
import { ManagedSecret } from "../aws/managed-secret";
import { EncryptedLogGroup } from "../aws/monitoring";
import { RDS_MASTER_USER } from "./rds-postgres";
import { secretsInitContainer, SecretFileSpec } from "./task-containers";

export interface PostgresBootstrapTaskProps {
  readonly environment: AwsEnvironment;
  readonly prefix: string;
  readonly key: CustomerManagedKey;
  readonly vpcId: string;
  readonly privateSubnetCidrs: string[];
  /** The role model (the same renderer the Docker runtime's Postgres runs at init). */
  readonly bootstrap: PostgresBootstrapProps;
  readonly images: { readonly n8n: string; readonly postgres: string };
  /** RDS's endpoint and its master secret (RDS-managed, JSON {username, password}). */
  readonly postgres: { readonly host: string; readonly port: number; readonly masterSecretArn: string };
  /** The passwords the bootstrap sets. */
  readonly secrets: { readonly dbLogin: ManagedSecret; readonly reporting: ManagedSecret; readonly agent: ManagedSecret; readonly rotator: ManagedSecret };
  readonly postgresCaPem?: string;
  readonly logGroup: EncryptedLogGroup;
}

/**
 * The least-privilege Postgres bootstrap (roles, schemas, RLS: `renderPostgresBootstrap`, the
 * same SQL the Docker runtime applies) as a one-off Fargate task inside the VPC, never a service:
 *
 * ```sh
 * aws ecs run-task --cluster <cluster> --task-definition <prefix>-postgres-bootstrap --launch-type FARGATE \
 *   --network-configuration 'awsvpcConfiguration={subnets=[<private subnets>],securityGroups=[<bootstrap group>],assignPublicIp=DISABLED}'
 * ```
 *
 * psql connects as RDS's master user with TLS verified against the RDS CA (`sslmode=verify-full`),
 * and reads every password from a file the init container wrote (the renderer's `*_file` psql
 * variables), so no value is in the task definition, its environment or the state. The SQL is
 * idempotent: running it again changes nothing.
 */
export class PostgresBootstrapTask extends Construct {
  public readonly taskDefinition: EcsTaskDefinition;
  public readonly securityGroup: SecurityGroup;
  public readonly executionRole: HostRole;

  constructor(scope: Construct, id: string, props: PostgresBootstrapTaskProps) {
    super(scope, id);
    const b = renderPostgresBootstrap(props.bootstrap);
    const s = props.secrets;
    const family = `${props.prefix}-postgres-bootstrap`;
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: family,
      description: "Postgres bootstrap task: out to Postgres and HTTPS (endpoints, image registry) only",
      vpcId: props.vpcId,
      ingress: [],
      egress: [
        { description: "Postgres (TLS) in the private subnets", protocol: "tcp", fromPort: props.postgres.port, toPort: props.postgres.port, cidrBlocks: props.privateSubnetCidrs },
        { description: "HTTPS: VPC endpoints and the image registry (NAT)", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ],
      tags: { Name: family },
    });
    this.executionRole = new HostRole(this, "ExecutionRole", {
      environment: props.environment,
      roleName: `${family}-execution`,
      description: "ECS runs the one-off Postgres bootstrap: reads the passwords it sets and the master secret",
      servicePrincipal: "ecs-tasks.amazonaws.com",
    });
    const own = [s.dbLogin, s.reporting, s.agent, s.rotator];
    own.forEach((x) => x.grantRead(this.executionRole.principalArn));
    const arns = [...own.map((x) => x.secretArn), props.postgres.masterSecretArn];
    this.executionRole.addToPolicy(
      { Sid: "ReadBootstrapSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: arns },
      { Sid: "DecryptViaSecretsManager", ...props.key.grantUseVia("secretsmanager", ["kms:Decrypt"], { SecretARN: arns }) },
      { Sid: "WriteOwnLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${props.logGroup.logGroupArn}:log-stream:*` },
    );

    const file = (name: string) => `/run/secrets/${name}`;
    const files: SecretFileSpec[] = [
      { file: "master-password", valueFrom: `${props.postgres.masterSecretArn}:password::` },
      { file: SECRET_FILES.n8nDbPassword, valueFrom: `${s.dbLogin.secretArn}:password::` },
      { file: SECRET_FILES.postgresReportingPassword, valueFrom: s.reporting.secretArn },
      { file: SECRET_FILES.postgresAgentPassword, valueFrom: s.agent.secretArn },
      { file: SECRET_FILES.postgresRotatorPassword, valueFrom: `${s.rotator.secretArn}:password::` },
      ...(props.postgresCaPem ? [{ file: TLS_FILES.caCert, literal: props.postgresCaPem }] : []),
    ];
    const log = { group: props.logGroup.logGroupName, region: props.environment.region };
    const uid = 999; // the postgres image's `postgres` user
    const init = secretsInitContainer({ image: props.images.n8n, uid, gid: uid, volumes: [{ name: "bootstrap-secrets", files }], scratch: [], log });
    const script = [
      "set -eu",
      `export PGPASSWORD="$(cat ${file("master-password")})"`,
      `printf '%s' "$BOOTSTRAP_SQL" | psql "host=$PGHOST port=$PGPORT dbname=postgres user=$PGUSER sslmode=verify-full sslrootcert=${file(TLS_FILES.caCert)}" -v ON_ERROR_STOP=1 ` +
        `-v n8n_password_file=${file(SECRET_FILES.n8nDbPassword)} -v reporting_password_file=${file(SECRET_FILES.postgresReportingPassword)} ` +
        `-v agent_password_file=${file(SECRET_FILES.postgresAgentPassword)} -v rotator_password_file=${file(SECRET_FILES.postgresRotatorPassword)} -f -`,
    ].join("\n");
    const bootstrap = {
      name: "bootstrap",
      image: props.images.postgres,
      essential: true,
      user: `${uid}:${uid}`,
      entryPoint: ["sh", "-c"],
      command: [script],
      readonlyRootFilesystem: true,
      privileged: false,
      environment: [
        { name: "BOOTSTRAP_SQL", value: b.sql },
        { name: "PGHOST", value: props.postgres.host },
        { name: "PGPORT", value: String(props.postgres.port) },
        { name: "PGUSER", value: RDS_MASTER_USER },
      ],
      mountPoints: [{ sourceVolume: "bootstrap-secrets", containerPath: "/run/secrets", readOnly: true }],
      linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"], add: [] } },
      memory: 256,
      cpu: 0,
      dependsOn: [{ containerName: "secrets-init", condition: "SUCCESS" }],
      logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": log.group, "awslogs-region": log.region, "awslogs-stream-prefix": "bootstrap" } },
    };
    this.taskDefinition = new EcsTaskDefinition(this, "Resource", {
      family,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      cpu: "256",
      memory: "512",
      executionRoleArn: this.executionRole.role.arn,
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      containerDefinitions: JSON.stringify([init, bootstrap]),
      volume: [{ name: "bootstrap-secrets" }],
      dependsOn: [this.executionRole.policy],
    });
  }
}
