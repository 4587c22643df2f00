/*
 * secret-sync's entry point (lambda/secret-sync/index.ts): the AWS SDK calls it makes. The SDK
 * clients are faked at `send` (the AWS API boundary); the handler logic is real.
 */

const mockSent: { client: string; command: string; input: any }[] = [];
const mockListeners: any[] = [];
const mockSecrets: Record<string, string> = {};

function mockSdk(client: string, commands: string[], reply: (command: string, input: any) => unknown) {
  const mod: Record<string, unknown> = {};
  mod[client] = class {
    async send(cmd: { name: string; input: any }) {
      mockSent.push({ client, command: cmd.name, input: cmd.input });
      return reply(cmd.name, cmd.input);
    }
  };
  for (const c of commands)
    mod[c] = class {
      name = c;
      constructor(public input: unknown) {}
    };
  return mod;
}
jest.mock("@aws-sdk/client-secrets-manager", () =>
  mockSdk("SecretsManagerClient", ["GetSecretValueCommand"], (_c, i) => {
    if (!(i.SecretId in mockSecrets)) throw new Error("ResourceNotFoundException");
    return { SecretString: mockSecrets[i.SecretId] };
  }),
);
jest.mock("@aws-sdk/client-ecs", () => mockSdk("ECSClient", ["UpdateServiceCommand"], () => ({})), { virtual: true });
jest.mock("@aws-sdk/client-elastic-load-balancing-v2", () => mockSdk("ElasticLoadBalancingV2Client", ["DescribeListenersCommand", "ModifyListenerCommand"], (c) => (c === "DescribeListenersCommand" ? { Listeners: mockListeners } : {})), {
  virtual: true,
});
jest.mock("@aws-sdk/client-elasticache", () => mockSdk("ElastiCacheClient", ["ModifyUserCommand"], () => ({})), { virtual: true });

const DB = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-ecs/n8n-db-login-AbCdEf";
const OIDC = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-ecs/oidc-client-secret-GhIjKl";
const VALKEY = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-ecs/valkey-n8n-MnOpQr";
const LISTENER = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:listener/app/n8n-ecs/0123456789abcdef/fedcba9876543210";
process.env.SYNC_CONFIG = JSON.stringify({ dbSecretArn: DB, cluster: "n8n-ecs", services: ["n8n-ecs-main", "n8n-ecs-webhook", "n8n-ecs-worker"], oidc: { secretArn: OIDC, listenerArn: LISTENER }, valkeyUsers: { [VALKEY]: "n8n-ecs-n8n" } });

const OIDC_CONFIG = { Issuer: "https://login.example.com/realms/ops", ClientId: "n8n-alb", UseExistingClientSecret: true, Scope: "openid email profile", OnUnauthenticatedRequest: "authenticate" };
const FORWARD = { Type: "forward", Order: 2, TargetGroupArn: "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/n8n-main/abc" };

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { handler } = require("../../lambda/secret-sync/index") as typeof import("../../lambda/secret-sync/index");

beforeEach(() => {
  mockSent.length = 0;
  mockListeners.length = 0;
  mockSecrets[OIDC] = "the-new-client-secret-value";
  mockSecrets[VALKEY] = JSON.stringify({ password: "valkeyPassword-0123456789" });
  jest.spyOn(console, "log").mockImplementation(() => undefined);
});

describe("secret-sync entry point", () => {
  test("the OIDC client secret replaces only the authenticate-oidc action's ClientSecret; the other actions and settings stay", async () => {
    mockListeners.push({ ListenerArn: LISTENER, DefaultActions: [{ Type: "authenticate-oidc", Order: 1, AuthenticateOidcConfig: OIDC_CONFIG }, FORWARD] });
    await handler({ detail: { eventName: "PutSecretValue", requestParameters: { secretId: OIDC } } });
    expect(mockSent.map((s) => s.command)).toEqual(["GetSecretValueCommand", "DescribeListenersCommand", "ModifyListenerCommand"]);
    expect(mockSent[1].input).toEqual({ ListenerArns: [LISTENER] });
    expect(mockSent[2].input).toEqual({
      ListenerArn: LISTENER,
      DefaultActions: [{ Type: "authenticate-oidc", Order: 1, AuthenticateOidcConfig: { ...OIDC_CONFIG, ClientSecret: "the-new-client-secret-value", UseExistingClientSecret: false } }, FORWARD],
    });
  });

  test("a listener whose default action does not authenticate is not modified (no sign-in would be silently dropped)", async () => {
    mockListeners.push({ ListenerArn: LISTENER, DefaultActions: [FORWARD] });
    await expect(handler({ detail: { eventName: "PutSecretValue", requestParameters: { secretId: OIDC } } })).rejects.toThrow("the listener's default action does not authenticate");
    expect(mockSent.map((s) => s.command)).not.toContain("ModifyListenerCommand");
  });

  test("the DB login's rotation is an UpdateService forceNewDeployment per service of the cluster", async () => {
    await handler({ detail: { eventName: "RotationSucceeded", additionalEventData: { SecretId: DB } } });
    expect(mockSent).toEqual(["n8n-ecs-main", "n8n-ecs-webhook", "n8n-ecs-worker"].map((service) => ({ client: "ECSClient", command: "UpdateServiceCommand", input: { cluster: "n8n-ecs", service, forceNewDeployment: true } })));
  });

  test("a Valkey password is set with ModifyUser in password mode", async () => {
    await handler({ detail: { eventName: "PutSecretValue", requestParameters: { secretId: VALKEY } } });
    expect(mockSent[1]).toEqual({ client: "ElastiCacheClient", command: "ModifyUserCommand", input: { UserId: "n8n-ecs-n8n", AuthenticationMode: { Type: "password", Passwords: ["valkeyPassword-0123456789"] } } });
  });
});
