/*
 * prod-ecs's secret-sync function: applies Secrets Manager values where an AWS API, not a file,
 * needs them, so Terraform never holds them, and redeploys n8n after its database login rotated.
 * Pure logic over small interfaces (index.ts binds the AWS SDK), so tests run it with fakes.
 *
 * Events (EventBridge, from CloudTrail):
 *   - RotationSucceeded of the n8n database secret → UpdateService forceNewDeployment on every
 *     n8n service (tasks read their secrets only at start);
 *   - PutSecretValue / RotationSucceeded of the OIDC client secret → ModifyListener with it;
 *   - PutSecretValue / RotationSucceeded of a Valkey user's secret → ModifyUser (password mode).
 * Logs are structured and never carry a value.
 */

export interface SyncConfig {
  /** Secret ARN of n8n's database login (rotated): its success redeploys `services`. */
  readonly dbSecretArn: string;
  readonly cluster: string;
  readonly services: readonly string[];
  /** The OIDC client secret and the HTTPS listener it belongs on. */
  readonly oidc: { readonly secretArn: string; readonly listenerArn: string };
  /** Valkey users: secret ARN → ElastiCache user id (the secret's JSON has `password`). */
  readonly valkeyUsers: Readonly<Record<string, string>>;
}

export interface SyncApi {
  getSecretString(secretId: string): Promise<string>;
  forceNewDeployment(cluster: string, service: string): Promise<void>;
  /** Replaces the client secret of the listener's authenticate-oidc default action. */
  setListenerClientSecret(listenerArn: string, clientSecret: string): Promise<void>;
  setUserPassword(userId: string, password: string): Promise<void>;
}

export interface CloudTrailEvent {
  readonly detail?: {
    readonly eventName?: string;
    readonly requestParameters?: { readonly secretId?: string };
    readonly additionalEventData?: { readonly SecretId?: string };
  };
}

/** Secret ARNs end in -XXXXXX; events name a secret by ARN or by name. */
function sameSecret(ref: string | undefined, arn: string): boolean {
  if (!ref) return false;
  if (ref === arn) return true;
  const name = arn.replace(/^arn:[^:]+:secretsmanager:[^:]+:\d+:secret:/, "").replace(/-[A-Za-z0-9]{6}$/, "");
  return ref === name || ref.replace(/-[A-Za-z0-9]{6}$/, "") === arn.replace(/-[A-Za-z0-9]{6}$/, "");
}

export type SyncResult = { readonly action: "redeployed" | "listener" | "valkey-user" | "ignored"; readonly targets: readonly string[] };

export function makeSyncHandler(config: SyncConfig, api: SyncApi, log: (event: Record<string, unknown>) => void = (e) => console.log(JSON.stringify(e))) {
  return async (event: CloudTrailEvent): Promise<SyncResult> => {
    const name = event.detail?.eventName;
    const ref = event.detail?.additionalEventData?.SecretId ?? event.detail?.requestParameters?.secretId;
    if (name === "RotationSucceeded" && sameSecret(ref, config.dbSecretArn)) {
      for (const s of config.services) await api.forceNewDeployment(config.cluster, s);
      log({ event: "redeployed_after_rotation", services: config.services });
      return { action: "redeployed", targets: config.services };
    }
    if ((name === "PutSecretValue" || name === "RotationSucceeded") && sameSecret(ref, config.oidc.secretArn)) {
      await api.setListenerClientSecret(config.oidc.listenerArn, await api.getSecretString(config.oidc.secretArn));
      log({ event: "listener_client_secret_set", listener: config.oidc.listenerArn });
      return { action: "listener", targets: [config.oidc.listenerArn] };
    }
    for (const [arn, userId] of Object.entries(config.valkeyUsers)) {
      if ((name === "PutSecretValue" || name === "RotationSucceeded") && sameSecret(ref, arn)) {
        const password = JSON.parse(await api.getSecretString(arn)).password;
        if (typeof password !== "string" || password.length < 16 || password.length > 128) throw new Error(`secret of ${userId} has no password of 16-128 characters`);
        await api.setUserPassword(userId, password);
        log({ event: "valkey_password_set", user: userId });
        return { action: "valkey-user", targets: [userId] };
      }
    }
    log({ event: "ignored", eventName: name ?? "none" });
    return { action: "ignored", targets: [] };
  };
}
