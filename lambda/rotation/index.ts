import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { makeHandler, RotationEvent, SecretsApi } from "./handler";
import { pgConnect } from "./pg-connect";

/*
 * The Lambda entry point: the real AWS SDK and pg behind the handler's interfaces. Postgres is
 * reached over TLS with certificate verification against PG_CA_PEM (the server's CA, not a
 * secret); nothing is logged but structured events without values.
 */

const sm = new SecretsManagerClient({});

/** Characters left out so a password is safe in connection strings, URLs and shells. */
export const PASSWORD_EXCLUDES = "\"'`\\/@:?#[]%&=+;,<>{}|^~$! ";

export const secretsApi = (client: SecretsManagerClient): SecretsApi => ({
  async describeSecret(secretId) {
    return client.send(new DescribeSecretCommand({ SecretId: secretId }));
  },
  async getSecretString(secretId, { versionId, versionStage }) {
    const r = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId, VersionStage: versionStage }));
    if (typeof r.SecretString !== "string") throw new Error("secret has no string value");
    return r.SecretString;
  },
  async putPendingSecret(secretId, token, secretString) {
    await client.send(new PutSecretValueCommand({ SecretId: secretId, ClientRequestToken: token, SecretString: secretString, VersionStages: ["AWSPENDING"] }));
  },
  async moveCurrent(secretId, toVersionId, fromVersionId) {
    await client.send(new UpdateSecretVersionStageCommand({ SecretId: secretId, VersionStage: "AWSCURRENT", MoveToVersionId: toVersionId, RemoveFromVersionId: fromVersionId }));
  },
  async randomPassword() {
    const r = await client.send(new GetRandomPasswordCommand({ PasswordLength: 40, ExcludePunctuation: true, ExcludeCharacters: PASSWORD_EXCLUDES, RequireEachIncludedType: true, IncludeSpace: false }));
    if (!r.RandomPassword) throw new Error("GetRandomPassword returned nothing");
    return r.RandomPassword;
  },
});

export const handler: (event: RotationEvent) => Promise<void> = makeHandler({
  secrets: secretsApi(sm),
  connect: pgConnect(process.env.PG_CA_PEM),
  log: (entry) => console.log(JSON.stringify({ level: entry.event === "rotation_failed" ? "error" : "info", ...entry })),
});
