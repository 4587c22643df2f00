import { CloudTrailEvent, makeSyncHandler, SyncApi, SyncConfig } from "../../lambda/secret-sync/handler";

/*
 * prod-ecs's secret-sync function over a recording fake of its AWS API interface (Secrets
 * Manager, ECS UpdateService, ELBv2 ModifyListener, ElastiCache ModifyUser): the AWS API is the
 * only thing faked.
 */

const ARN = (name: string, suffix: string) => `arn:aws:secretsmanager:eu-central-1:123456789012:secret:${name}-${suffix}`;
const DB = ARN("n8n-ecs/n8n-db-login", "AbCdEf");
const OIDC = ARN("n8n-ecs/oidc-client-secret", "GhIjKl");
const VALKEY_N8N = ARN("n8n-ecs/valkey-n8n", "MnOpQr");
const VALKEY_METRICS = ARN("n8n-ecs/valkey-metrics", "StUvWx");
const LISTENER = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/app/n8n-ecs/0123456789abcdef/fedcba9876543210";
const CONFIG: SyncConfig = {
  dbSecretArn: DB,
  cluster: "n8n-ecs",
  services: ["n8n-ecs-main", "n8n-ecs-webhook", "n8n-ecs-worker"],
  oidc: { secretArn: OIDC, listenerArn: LISTENER },
  valkeyUsers: { [VALKEY_N8N]: "n8n-ecs-n8n", [VALKEY_METRICS]: "n8n-ecs-metrics" },
};
const OIDC_VALUE = "oidc-client-secret-value-9f8e7d6c5b4a";
const VALKEY_PASSWORD = "valkeyPassword-0123456789abcdef";

function setup(values: Record<string, string> = { [OIDC]: OIDC_VALUE, [VALKEY_N8N]: JSON.stringify({ password: VALKEY_PASSWORD }), [VALKEY_METRICS]: JSON.stringify({ password: VALKEY_PASSWORD + "m" }) }) {
  const calls: unknown[][] = [];
  const logs: string[] = [];
  const api: SyncApi = {
    async getSecretString(id) {
      calls.push(["getSecretString", id]);
      if (!(id in values)) throw new Error(`ResourceNotFoundException: ${id}`);
      return values[id];
    },
    async forceNewDeployment(cluster, service) {
      calls.push(["forceNewDeployment", cluster, service]);
    },
    async setListenerClientSecret(listenerArn, clientSecret) {
      calls.push(["setListenerClientSecret", listenerArn, clientSecret]);
    },
    async setUserPassword(userId, password) {
      calls.push(["setUserPassword", userId, password]);
    },
  };
  const handler = makeSyncHandler(CONFIG, api, (e) => logs.push(JSON.stringify(e)));
  return { handler, calls, logs };
}

const rotated = (secretId: string): CloudTrailEvent => ({ detail: { eventName: "RotationSucceeded", additionalEventData: { SecretId: secretId } } });
const stored = (secretId: string): CloudTrailEvent => ({ detail: { eventName: "PutSecretValue", requestParameters: { secretId } } });

describe("secret-sync handler", () => {
  test.each([
    ["by ARN", DB],
    ["by name", "n8n-ecs/n8n-db-login"],
    ["by partial ARN (no random suffix)", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-ecs/n8n-db-login"],
  ])("RotationSucceeded of the database login (%s) force-redeploys exactly the stack's three services, and reads no secret", async (_, ref) => {
    const { handler, calls } = setup();
    await expect(handler(rotated(ref))).resolves.toEqual({ action: "redeployed", targets: CONFIG.services });
    expect(calls).toEqual([
      ["forceNewDeployment", "n8n-ecs", "n8n-ecs-main"],
      ["forceNewDeployment", "n8n-ecs", "n8n-ecs-webhook"],
      ["forceNewDeployment", "n8n-ecs", "n8n-ecs-worker"],
    ]);
  });

  test("PutSecretValue of the database login does not redeploy (only a finished rotation does)", async () => {
    const { handler, calls } = setup();
    await expect(handler(stored(DB))).resolves.toEqual({ action: "ignored", targets: [] });
    expect(calls).toEqual([]);
  });

  test.each([
    ["another secret", rotated(ARN("other-app/db", "ZzZzZz"))],
    ["a secret whose name only starts like the database login's", rotated("n8n-ecs/n8n-db-login-old")],
    ["another account's secret of the same name", rotated("arn:aws:secretsmanager:eu-central-1:999999999999:secret:n8n-ecs/n8n-db-login-AbCdEf")],
    ["another event name", { detail: { eventName: "DeleteSecret", requestParameters: { secretId: DB } } }],
    ["an event without a secret", { detail: { eventName: "RotationSucceeded" } }],
    ["an empty event", {}],
  ])("%s is ignored: no redeploy, no write, no secret read", async (_, event) => {
    const { handler, calls, logs } = setup();
    await expect(handler(event as CloudTrailEvent)).resolves.toEqual({ action: "ignored", targets: [] });
    expect(calls).toEqual([]);
    expect(logs).toHaveLength(1);
    expect(JSON.parse(logs[0]).event).toBe("ignored");
  });

  test.each([
    ["PutSecretValue", stored(OIDC)],
    ["RotationSucceeded", rotated(OIDC)],
    ["PutSecretValue by name", stored("n8n-ecs/oidc-client-secret")],
  ])("%s of the OIDC client secret writes its current value onto the HTTPS listener, and nothing else", async (_, event) => {
    const { handler, calls } = setup();
    await expect(handler(event)).resolves.toEqual({ action: "listener", targets: [LISTENER] });
    expect(calls).toEqual([
      ["getSecretString", OIDC],
      ["setListenerClientSecret", LISTENER, OIDC_VALUE],
    ]);
  });

  test("a stored Valkey password is set on that user only (password mode), from the secret's JSON", async () => {
    const { handler, calls } = setup();
    await expect(handler(stored(VALKEY_METRICS))).resolves.toEqual({ action: "valkey-user", targets: ["n8n-ecs-metrics"] });
    expect(calls).toEqual([
      ["getSecretString", VALKEY_METRICS],
      ["setUserPassword", "n8n-ecs-metrics", VALKEY_PASSWORD + "m"],
    ]);
  });

  test.each([
    ["no password", JSON.stringify({ username: "x" })],
    ["a password shorter than 16", JSON.stringify({ password: "short" })],
    ["a password longer than 128", JSON.stringify({ password: "p".repeat(129) })],
  ])("a Valkey secret with %s is refused before ElastiCache is called, and the error names the user, not the value", async (_, value) => {
    const { handler, calls } = setup({ [VALKEY_N8N]: value });
    const err = await handler(stored(VALKEY_N8N)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).toBe("secret of n8n-ecs-n8n has no password of 16-128 characters");
    expect(calls.filter((c) => c[0] === "setUserPassword")).toEqual([]);
  });

  test("no log line ever carries a secret value", async () => {
    const { handler, logs } = setup();
    await handler(stored(OIDC));
    await handler(rotated(OIDC));
    await handler(stored(VALKEY_N8N));
    await handler(stored(VALKEY_METRICS));
    await handler(rotated(DB));
    await handler(stored(ARN("other", "aaaaaa")));
    expect(logs.map((l) => JSON.parse(l).event)).toEqual(["listener_client_secret_set", "listener_client_secret_set", "valkey_password_set", "valkey_password_set", "redeployed_after_rotation", "ignored"]);
    for (const line of logs) {
      expect(line).not.toContain(OIDC_VALUE);
      expect(line).not.toContain(VALKEY_PASSWORD);
    }
  });

  test("a failing redeploy fails the invocation (EventBridge retries) rather than reporting success", async () => {
    const h = makeSyncHandler(CONFIG, {
      getSecretString: async () => "",
      forceNewDeployment: async (_c, s) => {
        if (s.endsWith("webhook")) throw new Error("ThrottlingException");
      },
      setListenerClientSecret: async () => undefined,
      setUserPassword: async () => undefined,
    }, () => undefined);
    await expect(h(rotated(DB))).rejects.toThrow("ThrottlingException");
  });
});
