import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { makeSyncHandler, SyncConfig } from "./handler";

/*
 * The Lambda entry point: the nodejs22.x runtime's AWS SDK behind the handler's interface. The
 * ECS, ELBv2 and ElastiCache clients are loaded from the runtime (not bundled, not typed here:
 * only the Secrets Manager client is a dev dependency of this repository).
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const ecs = require("@aws-sdk/client-ecs");
const elb = require("@aws-sdk/client-elastic-load-balancing-v2");
const elasticache = require("@aws-sdk/client-elasticache");

const config: SyncConfig = JSON.parse(process.env.SYNC_CONFIG ?? "{}");
const sm = new SecretsManagerClient({});
const ecsClient = new ecs.ECSClient({});
const elbClient = new elb.ElasticLoadBalancingV2Client({});
const cacheClient = new elasticache.ElastiCacheClient({});

export const handler = makeSyncHandler(config, {
  async getSecretString(secretId) {
    const r = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (typeof r.SecretString !== "string") throw new Error("secret has no string value");
    return r.SecretString;
  },
  async forceNewDeployment(cluster, service) {
    await ecsClient.send(new ecs.UpdateServiceCommand({ cluster, service, forceNewDeployment: true }));
  },
  async setListenerClientSecret(listenerArn, clientSecret) {
    const r = await elbClient.send(new elb.DescribeListenersCommand({ ListenerArns: [listenerArn] }));
    const actions = (r.Listeners?.[0]?.DefaultActions ?? []).map((a: any) =>
      a.Type === "authenticate-oidc" ? { ...a, AuthenticateOidcConfig: { ...a.AuthenticateOidcConfig, ClientSecret: clientSecret, UseExistingClientSecret: false } } : a,
    );
    if (!actions.some((a: any) => a.Type === "authenticate-oidc")) throw new Error("the listener's default action does not authenticate");
    await elbClient.send(new elb.ModifyListenerCommand({ ListenerArn: listenerArn, DefaultActions: actions }));
  },
  async setUserPassword(userId, password) {
    await cacheClient.send(new elasticache.ModifyUserCommand({ UserId: userId, AuthenticationMode: { Type: "password", Passwords: [password] } }));
  },
});
