import { Testing, TerraformStack } from "cdktf";
import { HostRole, withSidPrefix } from "../../constructs/aws/host-role";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { RuntimeLogGroups } from "../../constructs/aws/runtime-log-groups";
import { RuntimeSecrets } from "../../constructs/aws/runtime-secrets";

const ENV = { accountId: "123456789012", region: "eu-central-1" };

function setup() {
  const stack = new TerraformStack(Testing.app(), "t");
  const key = new CustomerManagedKey(stack, "Key", { environment: ENV, alias: "t-key" });
  const role = new HostRole(stack, "HostRole", { environment: ENV, roleName: "t-docker-host", description: "test host" });
  const secrets = new RuntimeSecrets(stack, {
    prefix: "t",
    secrets: [
      { id: "a-token", description: "A" },
      { id: "b-token", description: "B" },
    ],
    key,
    readers: [role.principalArn],
    writers: [],
  });
  const logs = new RuntimeLogGroups(stack, { prefix: "t", logKeys: ["web", "db"], key });
  return { stack, key, role, secrets, logs };
}
const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack));
const policyOf = (json: any) => JSON.parse(Object.values<any>(json.resource.aws_iam_role_policy)[0].policy);

describe("HostRole", () => {
  test("EC2 may assume it only for this account; its literal ARN needs no apply", () => {
    const { stack, role } = setup();
    const json = synth(stack);
    const trust = JSON.parse(json.resource.aws_iam_role.HostRole.assume_role_policy);
    expect(trust.Statement).toEqual([{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": "123456789012" } } }]);
    expect(role.principalArn).toBe("arn:aws:iam::123456789012:role/t-docker-host");
  });

  test("grants attach to its one policy in the order they are made, also after the policy was created", () => {
    const { stack, role, secrets, logs } = setup();
    secrets.grantRead(role);
    logs.grantWrite(role);
    role.addToPolicy(...withSidPrefix("Extra", [{ Sid: "Thing", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }]));
    const doc = policyOf(synth(stack));
    expect(doc.Statement.map((s: any) => s.Sid)).toEqual(["ReadOwnSecrets", "DecryptOwnSecretsViaSecretsManager", "WriteOwnLogGroups", "ExtraThing"]);
    expect(role.statements).toHaveLength(4);
  });

  test("a Sid attached twice is refused (IAM would reject the policy)", () => {
    const { role } = setup();
    role.addToPolicy({ Sid: "One", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" });
    expect(() => role.addToPolicy({ Sid: "One", Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::b/*" })).toThrow(/Sid "One" is already attached/);
  });
});

describe("RuntimeSecrets", () => {
  test("one secret per catalog entry, named <prefix>/<id>, readable by the grantee in its own policy and in each secret's policy", () => {
    const { stack, role, secrets } = setup();
    secrets.grantRead(role);
    const json = synth(stack);
    expect(Object.values<any>(json.resource.aws_secretsmanager_secret).map((s) => s.name)).toEqual(["t/a-token", "t/b-token"]);
    const read = policyOf(json).Statement.find((s: any) => s.Sid === "ReadOwnSecrets");
    expect(read.Resource).toEqual(Object.keys(json.resource.aws_secretsmanager_secret).map((k) => `\${aws_secretsmanager_secret.${k}.arn}`));
    for (const p of Object.values<any>(json.resource.aws_secretsmanager_secret_policy)) expect(p.policy).toContain(role.principalArn);
    expect(() => secrets.get("c-token")).toThrow(/no "c-token" secret/);
  });
});

describe("RuntimeLogGroups", () => {
  test("the grantee may write to the services' groups only, not to the others of the stack", () => {
    const { stack, role, logs } = setup();
    logs.add("rotation", "/aws/lambda/t-rotation");
    logs.addOther("flow", "/t/flow");
    logs.grantWrite(role);
    expect(Object.keys(logs.groups)).toEqual(["web", "db", "rotation"]);
    expect(logs.names).toEqual({ web: "/t/web", db: "/t/db", rotation: "/aws/lambda/t-rotation" });
    const json = synth(stack);
    const write = policyOf(json).Statement.find((s: any) => s.Sid === "WriteOwnLogGroups");
    const ref = (name: string) => Object.entries<any>(json.resource.aws_cloudwatch_log_group).find(([, g]) => g.name === name)![0];
    expect(write.Resource).toEqual(["/t/web", "/t/db"].flatMap((n) => [`\${aws_cloudwatch_log_group.${ref(n)}.arn}`, `\${aws_cloudwatch_log_group.${ref(n)}.arn}:log-stream:*`]));
    expect(() => logs.add("web", "/t/web2")).toThrow(/"web" exists already/);
  });
});
