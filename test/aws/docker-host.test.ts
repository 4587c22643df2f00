import { ValidationError } from "../../constructs/common/validation";
import { cidrContains, cidrsOverlap, cidrWithin, parseCidr, usableInSubnet } from "../../constructs/aws/cidr";
import { synthProdCloud, TEST_HOST } from "../helpers/prod-cloud";
import { gunzipSync } from "node:zlib";
import { TerraformStack, Testing } from "cdktf";
import { DockerHost } from "../../constructs/aws/docker-host";
import { CustomerManagedKey } from "../../constructs/aws/kms-key";
import { problemFields, problemLines } from "../helpers/validation";

const expectValidationError = (fn: () => unknown, fields: string[]) => expect(problemFields(fn)).toEqual(fields);

/*
 * prod-cloud with its Docker host: the host's hardening, its network and the least-privilege
 * instance profile, read from the synthesized JSON. The same stack goes through terraform
 * validate/plan in test/integration/terraform-prod-cloud.test.ts.
 */
const { json, text } = synthProdCloud({ host: TEST_HOST });
const res = (type: string): [string, any][] => Object.entries(json.resource[type] ?? {});
const one = (type: string): any => {
  const all = res(type);
  expect(all).toHaveLength(1);
  return all[0][1];
};
const sgByName = (name: string) => res("aws_security_group").find(([, sg]) => sg.name === name)![1];
const ref = (type: string, match: (r: any) => boolean) => {
  const [id] = res(type).find(([, r]) => match(r))!;
  return id;
};

describe("the Docker host", () => {
  const instance = one("aws_instance");

  test("requires IMDSv2 with a hop limit of 1 (containers cannot take the instance's credentials)", () => {
    expect(instance.metadata_options).toEqual({ http_endpoint: "enabled", http_tokens: "required", http_put_response_hop_limit: 1, instance_metadata_tags: "disabled" });
  });

  test("its root volume is encrypted with the customer-managed key and survives termination", () => {
    const keyId = Object.keys(json.resource.aws_kms_key)[0];
    expect(instance.root_block_device).toMatchObject({ encrypted: true, kms_key_id: `\${aws_kms_key.${keyId}.arn}`, volume_type: "gp3", volume_size: 40, delete_on_termination: false });
    const keyPolicy = JSON.parse(json.resource.aws_kms_key[keyId].policy);
    const via = keyPolicy.Statement.find((s: any) => s.Sid === "AccountUsesTheKeyOnlyThroughServices").Condition.StringEquals["kms:ViaService"];
    expect(via).toContain("ec2.eu-central-1.amazonaws.com");
  });

  test("has no key pair, no public address of its own (an Elastic IP), a fixed private address, termination protection", () => {
    expect(instance.key_name).toBeUndefined();
    expect(instance.associate_public_ip_address).toBe(false);
    expect(instance.private_ip).toBe("10.20.1.10");
    expect(instance.disable_api_termination).toBe(true);
    expect(one("aws_eip").instance).toMatch(/^\$\{aws_instance\.[^.]+\.id\}$/);
    expect(instance.lifecycle.ignore_changes).toEqual(["ami", "user_data_base64"]);
  });

  test("its security group admits 80/443 from anywhere, Postgres only from the rotation function's group, and no SSH", () => {
    const sg = sgByName("n8n-prod-docker-host");
    const rotationSg = ref("aws_security_group", (g) => g.name === "n8n-prod-rotation-egress");
    expect(sg.ingress.map((r: any) => [r.from_port, r.to_port, r.cidr_blocks ?? [], r.security_groups ?? []])).toEqual([
      [80, 80, ["0.0.0.0/0"], []],
      [443, 443, ["0.0.0.0/0"], []],
      [5432, 5432, [], [`\${aws_security_group.${rotationSg}.id}`]],
    ]);
    expect(sg.ingress.some((r: any) => r.from_port <= 22 && r.to_port >= 22)).toBe(false);
    expect(sg.egress.map((r: any) => r.from_port)).toEqual([80, 443]);
    expect(instance.vpc_security_group_ids).toEqual([`\${aws_security_group.${ref("aws_security_group", (g) => g.name === "n8n-prod-docker-host")}.id}`]);
  });

  test("the rotation function runs in the private subnets and reaches only the host's Postgres and the endpoint subnets", () => {
    const fn = one("aws_lambda_function");
    expect(fn.vpc_config.subnet_ids).toHaveLength(2);
    fn.vpc_config.subnet_ids.forEach((s: string) => expect(s).toMatch(/aws_subnet\.[^.]*PrivateSubnet/));
    const sg = sgByName("n8n-prod-rotation-egress");
    expect(sg.egress.map((e: any) => [e.from_port, e.cidr_blocks])).toEqual([
      [5432, ["10.20.1.10/32"]],
      [443, ["10.20.2.0/24", "10.20.3.0/24"]],
    ]);
  });

  test("the user data (gzip, base64: EC2's 16 KiB limit) holds no secret value and no secret-looking assignment", () => {
    expect(instance.user_data).toBeUndefined();
    const doc = gunzipSync(Buffer.from(instance.user_data_base64, "base64")).toString("utf8");
    expect(doc).toMatch(/^#cloud-config\n/);
    expect(doc).not.toMatch(/(password|secret|token)\s*[:=]\s*["']?[A-Za-z0-9+/]{16,}/i);
    expect(instance.user_data_base64.length).toBeLessThanOrEqual(16384);
  });
});

describe("backups", () => {
  test("the host dumps Postgres daily into the backup prefix; an alarm fires when no success arrives for 26 hours", () => {
    const doc = gunzipSync(Buffer.from(one("aws_instance").user_data_base64, "base64")).toString("utf8");
    expect(doc).toContain("n8n-backup.timer");
    expect(doc).toContain("BACKUP_BUCKET=example-n8n-prod-backups");
    const alarm = res("aws_cloudwatch_metric_alarm").map(([, a]) => a).find((a) => a.alarm_name === "n8n-prod-BackupMissing");
    expect(alarm).toMatchObject({
      namespace: "N8nZeroTrust/n8n-prod",
      metric_name: "BackupSucceeded",
      dimensions: { Database: "n8n" },
      period: 3600,
      evaluation_periods: 26,
      datapoints_to_alarm: 26,
      comparison_operator: "LessThanThreshold",
      threshold: 1,
      treat_missing_data: "breaching",
    });
    expect(alarm.alarm_actions[0]).toMatch(/^\$\{aws_sns_topic\./);
    expect(alarm.ok_actions[0]).toMatch(/^\$\{aws_sns_topic\./);
  });
});

describe("the host's network", () => {
  test("a new VPC: DNS on, one public subnet routed to an internet gateway, private subnets with no route out", () => {
    expect(one("aws_vpc")).toMatchObject({ cidr_block: "10.20.0.0/16", enable_dns_support: true, enable_dns_hostnames: true });
    const subnets = res("aws_subnet").map(([, s]) => s);
    expect(subnets.map((s) => [s.cidr_block, s.availability_zone, s.map_public_ip_on_launch]).sort()).toEqual([
      ["10.20.1.0/24", "eu-central-1a", false],
      ["10.20.2.0/24", "eu-central-1a", false],
      ["10.20.3.0/24", "eu-central-1b", false],
    ]);
    const routesOf = (name: string) => res("aws_route_table").find(([, t]) => t.tags.Name === name)![1].route.map((r: any) => [r.cidr_block, r.gateway_id?.startsWith("${aws_internet_gateway.")]);
    expect(routesOf("n8n-prod-public")).toEqual([["0.0.0.0/0", true]]);
    expect(routesOf("n8n-prod-private")).toEqual([]);
    const assoc = res("aws_route_table_association").map(([, a]) => [a.subnet_id.split(".")[1], a.route_table_id.split(".")[1]]);
    expect(assoc.filter(([s]) => /PublicSubnet/.test(s)).map(([, t]) => t)).toEqual([expect.stringMatching(/PublicRoutes/)]);
    expect(assoc.filter(([s]) => /PrivateSubnet/.test(s)).map(([, t]) => t)).toEqual([expect.stringMatching(/PrivateRoutes/), expect.stringMatching(/PrivateRoutes/)]);
    expect(res("aws_nat_gateway")).toHaveLength(0);
  });

  test("the new VPC records every flow in its own encrypted log group, delivered by a role only VPC Flow Logs of this account may assume (CKV2_AWS_11)", () => {
    const flow = one("aws_flow_log");
    const [vpcKey] = res("aws_vpc")[0];
    const group = res("aws_cloudwatch_log_group").find(([, g]) => g.name === "/n8n-prod/vpc-flow-logs");
    expect(group).toBeDefined();
    expect(group![1]).toMatchObject({ retention_in_days: 365, kms_key_id: expect.stringMatching(/^\$\{aws_kms_key\./) });
    expect(flow).toMatchObject({ vpc_id: `\${aws_vpc.${vpcKey}.id}`, traffic_type: "ALL", log_destination_type: "cloud-watch-logs", log_destination: `\${aws_cloudwatch_log_group.${group![0]}.arn}`, max_aggregation_interval: 600 });
    const [roleKey, role] = res("aws_iam_role").find(([, r]) => r.name === "n8n-prod-vpc-flow-logs")!;
    expect(flow.iam_role_arn).toBe(`\${aws_iam_role.${roleKey}.arn}`);
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "vpc-flow-logs.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": "123456789012" }, ArnLike: { "aws:SourceArn": "arn:aws:ec2:eu-central-1:123456789012:vpc-flow-log/*" } },
      },
    ]);
    const policy = JSON.parse(res("aws_iam_role_policy").find(([, p]) => p.role === `\${aws_iam_role.${roleKey}.id}`)![1].policy);
    const groupArn = `\${aws_cloudwatch_log_group.${group![0]}.arn}`;
    expect(policy.Statement).toEqual([expect.objectContaining({ Effect: "Allow", Resource: [groupArn, `${groupArn}:log-stream:*`] })]);
  });

  test("the default security group is left with no rules", () => {
    expect(one("aws_default_security_group")).toMatchObject({ ingress: [], egress: [] });
  });

  test("a Secrets Manager interface endpoint (private DNS) serves only this account's project secrets, reachable only from the function and the host", () => {
    const endpoints = res("aws_vpc_endpoint").map(([, e]) => e);
    const sm = endpoints.find((e) => e.vpc_endpoint_type === "Interface");
    const s3 = endpoints.find((e) => e.vpc_endpoint_type === "Gateway");
    expect(endpoints).toHaveLength(2);
    expect(sm).toMatchObject({ service_name: "com.amazonaws.eu-central-1.secretsmanager", vpc_endpoint_type: "Interface", private_dns_enabled: true });
    expect(sm.subnet_ids).toHaveLength(2);
    const policy = JSON.parse(sm.policy);
    expect(policy.Statement[0].Principal).toEqual({ AWS: "arn:aws:iam::123456789012:root" });
    expect(policy.Statement[0].Resource).toEqual(["arn:aws:secretsmanager:eu-central-1:123456789012:secret:n8n-prod/*"]);
    const epSg = sgByName("n8n-prod-endpoints");
    expect(epSg.ingress).toHaveLength(1);
    expect(epSg.ingress[0]).toMatchObject({ from_port: 443, to_port: 443 });
    expect(epSg.ingress[0].security_groups).toHaveLength(2);
    expect(epSg.ingress[0].cidr_blocks ?? []).toEqual([]);
    expect(s3).toMatchObject({ service_name: "com.amazonaws.eu-central-1.s3", vpc_endpoint_type: "Gateway" });
    expect(s3.route_table_ids).toHaveLength(2);
  });

  test("an existing VPC: ids are used as given and no VPC, subnet or route is created", () => {
    const { json: j } = synthProdCloud({
      host: {
        ...TEST_HOST,
        network: {
          existing: {
            vpcId: "vpc-0a1b2c3d4e5f60718",
            publicSubnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" },
            privateSubnets: [{ id: "subnet-0a1b2c3d4e5f60712", cidr: "10.20.2.0/24" }],
            secretsManagerEndpointCidrs: ["10.20.9.0/24"],
          },
        },
      },
    });
    // An existing VPC's flow logs are its owner's: none is added, and no log group or role for one.
    for (const t of ["aws_vpc", "aws_subnet", "aws_route_table", "aws_internet_gateway", "aws_flow_log"]) expect(j.resource[t]).toBeUndefined();
    expect((Object.values(j.resource.aws_cloudwatch_log_group) as any[]).map((g) => g.name)).not.toContain("/n8n-prod/vpc-flow-logs");
    const inst = Object.values(j.resource.aws_instance)[0] as any;
    expect(inst.subnet_id).toBe("subnet-0a1b2c3d4e5f60711");
    // In a shared VPC the project keeps the VPC's own endpoint (private DNS is VPC-wide) and no S3 endpoint without route tables.
    expect(j.resource.aws_vpc_endpoint).toBeUndefined();
    const sg = (Object.values(j.resource.aws_security_group) as any[]).find((g) => g.name === "n8n-prod-rotation-egress");
    expect(sg.egress.find((e: any) => e.from_port === 443).cidr_blocks).toEqual(["10.20.9.0/24"]);
  });
});

describe("the host's IAM role names only the project's resources", () => {
  const policy = JSON.parse(res("aws_iam_role_policy").find(([, p]) => p.name === "least-privilege" && p.role.includes("HostRole"))![1].policy);

  test("every resource is one of the project's secrets, log groups, key or backup prefix; '*' only for Session Manager and the backup metric (namespace-bound)", () => {
    expect(policy.Statement.map((st: any) => st.Sid)).toEqual(expect.arrayContaining(["ReadOwnSecrets", "WriteOwnLogGroups", "SessionManager", "BackupSuccessMetric"]));
    for (const st of policy.Statement) {
      const resources: string[] = [st.Resource].flat();
      if (st.Sid === "SessionManager") {
        expect(resources).toEqual(["*"]);
        expect(st.Action.every((a: string) => /^(ssm:UpdateInstanceInformation|ssmmessages:(Create|Open)(Control|Data)Channel)$/.test(a))).toBe(true);
        continue;
      }
      if (st.Sid === "BackupSuccessMetric") {
        expect(st).toEqual({ Sid: "BackupSuccessMetric", Effect: "Allow", Action: "cloudwatch:PutMetricData", Resource: "*", Condition: { StringEquals: { "cloudwatch:namespace": "N8nZeroTrust/n8n-prod" } } });
        continue;
      }
      for (const r of resources) {
        expect(r).not.toBe("*");
        expect(r).toMatch(/^(\$\{aws_secretsmanager_secret\.|\$\{aws_kms_key\.|\$\{aws_cloudwatch_log_group\.|\$\{aws_s3_bucket\.[^}]+\}\/backups\/|\$\{aws_s3_bucket\.[^}]+\}$)/);
      }
    }
  });

  test("the instance profile carries the host role", () => {
    expect(one("aws_iam_instance_profile").role).toMatch(/^\$\{aws_iam_role\.[^.]*HostRole[^.]*\.name\}$/);
    expect(one("aws_instance").iam_instance_profile).toMatch(/^\$\{aws_iam_instance_profile\./);
  });
});

describe("bad host props are named at synth", () => {
  test("an address outside the public subnet, a bad AMI, an overlapping private subnet", () => {
    expectValidationError(
      () =>
        synthProdCloud({
          host: {
            ...TEST_HOST,
            privateIp: "10.20.2.10",
            amiId: "ubuntu",
            network: { create: { ...TEST_HOST.network.create!, privateSubnets: [{ cidr: "10.20.1.0/25", availabilityZone: "eu-central-1a" }] } },
          },
        }),
      ["create.privateSubnets.0.cidr"],
    );
    expectValidationError(() => synthProdCloud({ host: { ...TEST_HOST, privateIp: "10.20.2.10", amiId: "ubuntu" } }), ["amiId", "privateIp"]);
  });

  test("both or neither of create/existing, availability zones of another region", () => {
    expectValidationError(() => synthProdCloud({ host: { ...TEST_HOST, network: {} } }), ["create"]);
    expectValidationError(
      () => synthProdCloud({ host: { ...TEST_HOST, network: { create: { ...TEST_HOST.network.create!, publicSubnet: { cidr: "10.20.1.0/24", availabilityZone: "us-east-1a" } } } } }),
      ["create.publicSubnet.availabilityZone"],
    );
  });

  test("an existing VPC without its own endpoint must say where the VPC's endpoint is", () => {
    const existing = { vpcId: "vpc-0a1b2c3d4e5f60718", publicSubnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" }, privateSubnets: [{ id: "subnet-0a1b2c3d4e5f60712", cidr: "10.20.2.0/24" }] };
    expectValidationError(() => synthProdCloud({ host: { ...TEST_HOST, network: { existing } } }), ["existing.secretsManagerEndpointCidrs"]);
    expect(problemFields(() => synthProdCloud({ host: { ...TEST_HOST, network: { existing: { ...existing, createSecretsManagerEndpoint: true } } } }))).toEqual([]);
  });

  test("user data with a secret value in it is refused, naming the field (the plan holds it compressed)", () => {
    const scope = new TerraformStack(Testing.app(), "t");
    const key = new CustomerManagedKey(scope, "Key", { environment: { accountId: "123456789012", region: "eu-central-1" }, alias: "t-host" });
    const problems = problemLines(
      () =>
        new DockerHost(scope, "Host", {
          name: "t-host",
          key,
          roleName: "t-host",
          vpcId: "vpc-0a1b2c3d4e5f60718",
          subnet: { id: "subnet-0a1b2c3d4e5f60711", cidr: "10.20.1.0/24" },
          privateIp: "10.20.1.10",
          amiId: "ami-0123456789abcdef0",
          userData: "#cloud-config\nwrite_files:\n  - content: AKIAIOSFODNN7EXAMPLE\n",
          postgresClientSecurityGroupIds: ["sg-0123456789abcdef0"],
        }),
    );
    expect(problems).toEqual([expect.stringMatching(/^userData: must not contain a secret value/)]);
  });

  test("no plan is written: the error is a ValidationError, before synthesis", () => {
    expect(() => synthProdCloud({ host: { ...TEST_HOST, amiId: "x" } })).toThrow(ValidationError);
  });
});

describe("CIDR arithmetic", () => {
  test("containment, overlap and AWS's reserved addresses", () => {
    expect(parseCidr("10.20.1.0/24")).toEqual({ base: (10 << 24) + (20 << 16) + (1 << 8), bits: 24 });
    expect(parseCidr("10.20.1.5/24")).toBeUndefined();
    expect(parseCidr("300.1.1.0/24")).toBeUndefined();
    expect(cidrContains("10.20.1.0/24", "10.20.1.255")).toBe(true);
    expect(cidrContains("10.20.1.0/24", "10.20.2.0")).toBe(false);
    expect(cidrWithin("10.20.0.0/16", "10.20.3.0/24")).toBe(true);
    expect(cidrWithin("10.20.0.0/16", "10.21.0.0/24")).toBe(false);
    expect(cidrsOverlap("10.20.1.0/24", "10.20.1.128/25")).toBe(true);
    expect(cidrsOverlap("10.20.1.0/24", "10.20.2.0/24")).toBe(false);
    expect(usableInSubnet("10.20.1.0/24", "10.20.1.3")).toBe(false);
    expect(usableInSubnet("10.20.1.0/24", "10.20.1.4")).toBe(true);
    expect(usableInSubnet("10.20.1.0/24", "10.20.1.255")).toBe(false);
  });
});

test("the synthesized stack sets no secret value: no password or secret_string attribute", () => {
  expect(text).not.toMatch(/"(password|secret_string)"\s*:/);
});
