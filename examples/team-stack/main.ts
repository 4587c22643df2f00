import { Construct } from "constructs";
import { App, TerraformOutput, TerraformStack } from "cdktf";
// Provider classes by deep path: the package root of a provider loads every resource class.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import {
  AlarmTopic,
  applyZeroTrustPolicy,
  CustomerManagedKey,
  EncryptedBucket,
  EncryptedLogGroup,
  ManagedSecret,
  N8nRuntime,
  PostgresRotationFunction,
  runApp,
} from "n8n-zero-trust-cdktf";

/*
 * A team's own cdktf app: its n8n on the team's Docker host, and the AWS side it needs (a key of
 * its own, the encryption-key secret, a backup bucket and the rotation of its database password).
 * Run with the standard cdktf setup: `npx cdktf synth` (cdktf.json: `npx ts-node main.ts`).
 */
const team = "team-a";
const environment = { accountId: "123456789012", region: "eu-central-1" };

class TeamCloudStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new AwsProvider(this, "aws", { region: environment.region, allowedAccountIds: [environment.accountId] });

    const key = new CustomerManagedKey(this, "Key", { environment, alias: team, description: `${team}: secrets, logs, backups` });
    const hostRoleArn = `arn:aws:iam::${environment.accountId}:role/${team}-docker-host`;

    // Never rotated: it encrypts the credentials n8n stores.
    new ManagedSecret(this, "EncryptionKey", { name: `${team}/n8n-encryption-key`, description: "n8n credential encryption key", key, readers: [hostRoleArn], neverRotate: true });
    const dbPassword = new ManagedSecret(this, "DbPassword", { name: `${team}/n8n-db-password`, description: "n8n's Postgres password", key, readers: [hostRoleArn] });
    const rotator = new ManagedSecret(this, "RotatorPassword", { name: `${team}/postgres-rotator-password`, description: "Role that rotates n8n's password", key, readers: [hostRoleArn], neverRotate: true });

    const functionName = `${team}-rotation`;
    const rotation = new PostgresRotationFunction(this, "Rotation", {
      functionName,
      key,
      rotatedSecretNames: [dbPassword.secretName],
      masterSecretName: rotator.secretName,
      logGroup: new EncryptedLogGroup(this, "RotationLogs", { name: `/aws/lambda/${functionName}`, key, retentionInDays: 365 }),
      alarmTopic: new AlarmTopic(this, "Alarms", { name: `${team}-alarms`, key, emails: ["platform@example.com"] }),
    });
    dbPassword.addRotation({ functionArn: rotation.functionArn, functionRoleArn: rotation.roleArn, afterDays: 30 });

    const backups = new EncryptedBucket(this, "Backups", { bucketName: `${team}-n8n-backups-${environment.accountId}`, key, expireObjects: { prefix: "backups/", days: 35 } });
    new TerraformOutput(this, "backup_bucket", { value: backups.bucketName });
  }
}

class TeamRuntimeStack extends TerraformStack {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    new DockerProvider(this, "docker", { host: "ssh://deploy@n8n-host.team-a.example.com" });

    // Networks, socket proxy, Traefik, oauth2-proxy, n8n with its task runners and Postgres.
    const n8nHost = "n8n.team-a.example.com";
    new N8nRuntime(this, "N8n", {
      prefix: team,
      n8nHost,
      secretsDir: "/run/n8n-secrets",
      runAs: { uid: 1000, gid: 1000 },
      tls: { mode: "acme", email: "platform@example.com", storageHostDir: "/var/lib/team-a/acme" },
      sso: { issuerUrl: "https://login.example.com", clientId: "team-a-n8n", allowedEmailDomains: ["example.com"], allowedGroups: ["team-a"] },
      images: {
        traefik: "traefik:v3.7.13",
        socketProxy: "lscr.io/linuxserver/socket-proxy:3.4.3",
        oauth2Proxy: "quay.io/oauth2-proxy/oauth2-proxy:v7.15.3-alpine",
        n8n: "docker.n8n.io/n8nio/n8n:2.41.3",
        n8nRunners: "n8nio/runners:2.41.3",
        postgres: "postgres:17.6-bookworm",
      },
      postgres: { database: "n8n", schema: "n8n", n8nRole: "n8n", reportingRole: "n8n_reporting", agentSchema: "agent_data", agentRole: "n8n_agent", connectionLimit: 40 },
    });
    new TerraformOutput(this, "n8n_url", { value: `https://${n8nHost}/` });
  }
}

// runApp synthesizes, and reports invalid props and zero-trust findings as one clear message.
runApp((app: App) => {
  applyZeroTrustPolicy(new TeamCloudStack(app, `${team}-cloud`));
  applyZeroTrustPolicy(new TeamRuntimeStack(app, `${team}-runtime`));
});
