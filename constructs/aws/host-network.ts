import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Validator } from "../common/validation";
import { SUBNET_CIDR_BITS, VPC_CIDR_BITS } from "../common/bounds";
import { AVAILABILITY_ZONE, AWS_NAME, ROUTE_TABLE_ID, SUBNET_ID, VPC_ID } from "../common/patterns";
import { cidrsOverlap, cidrWithin, parseCidr } from "./cidr";
import { AwsEnvironment, partitionOf, policyDocument } from "./iam";
import type { EncryptedLogGroup } from "./monitoring";

/** A new VPC: one public subnet for the Docker host, private subnets for the rotation function and the endpoints. */
export interface NewVpcSpec {
  /** The VPC's range, /16 to /24, e.g. `10.20.0.0/16`. */
  readonly cidr: string;
  /** The host's subnet (routed to an internet gateway; the host has an Elastic IP). */
  readonly publicSubnet: { readonly cidr: string; readonly availabilityZone: string };
  /** Subnets with no route to the internet: the rotation function and the Secrets Manager endpoint. */
  readonly privateSubnets: readonly { readonly cidr: string; readonly availabilityZone: string }[];
}

/** An existing VPC (e.g. from a landing zone); nothing in it is changed except the endpoints added here. */
export interface ExistingVpcSpec {
  readonly vpcId: string;
  /** The host's subnet: it must route 0.0.0.0/0 to an internet gateway. */
  readonly publicSubnet: { readonly id: string; readonly cidr: string };
  /** Subnets for the rotation function and the Secrets Manager endpoint. */
  readonly privateSubnets: readonly { readonly id: string; readonly cidr: string }[];
  /** Route tables of the subnets, for the S3 gateway endpoint. @default - no S3 gateway endpoint is created */
  readonly routeTableIds?: readonly string[];
  /**
   * Create a Secrets Manager interface endpoint with private DNS. Its DNS name and its policy (only
   * this project's secrets) then apply to every workload in the VPC, so in a shared VPC keep the one
   * you have. @default false
   */
  readonly createSecretsManagerEndpoint?: boolean;
  /** Where the VPC's existing Secrets Manager endpoint lives (the rotation function's HTTPS egress). Required without `createSecretsManagerEndpoint`. */
  readonly secretsManagerEndpointCidrs?: readonly string[];
}

export interface HostNetworkProps {
  readonly environment: AwsEnvironment;
  /** Prefix of names and `Name` tags, e.g. `n8n-prod`. */
  readonly prefix: string;
  /** Exactly one of `create` and `existing`. */
  readonly create?: NewVpcSpec;
  readonly existing?: ExistingVpcSpec;
}

export interface FlowLogProps {
  /** Where the records go: an encrypted log group with a retention (e.g. `/n8n-prod/vpc-flow-logs`). */
  readonly logGroup: EncryptedLogGroup;
  /**
   * Which traffic is recorded. `ALL` records every accepted and rejected flow (what an incident
   * review of the host needs); `REJECT` only what the security groups refused. @default "ALL"
   */
  readonly trafficType?: "ALL" | "ACCEPT" | "REJECT";
  /** Seconds over which flows are aggregated into one record: 60 or 600. @default 600 */
  readonly maxAggregationInterval?: 60 | 600;
}

export interface EndpointProps {
  /** Security groups that may reach the Secrets Manager endpoint on 443 (the rotation function, the host). */
  readonly clientSecurityGroupIds: readonly string[];
  /** The only secrets the endpoint serves, as name prefixes (e.g. `n8n-prod/`). */
  readonly secretNamePrefixes: readonly string[];
}

/**
 * The Docker host's network. With `create`: a VPC with DNS support, one public subnet routed to an
 * internet gateway (the host, with an Elastic IP and no public address by default), private
 * subnets with no route out (the rotation function), a locked default security group (no rules),
 * and an S3 gateway endpoint. With `existing`: the given ids, unchanged. In both, {@link addEndpoints}
 * adds a Secrets Manager interface endpoint with private DNS in the private subnets, so the rotation
 * function reaches Secrets Manager without a NAT gateway; its policy serves only the project's
 * secrets to principals of this account.
 */
export class HostNetwork extends Construct {
  public readonly vpcId: string;
  public readonly publicSubnetId: string;
  public readonly publicSubnetCidr: string;
  public readonly privateSubnetIds: string[];
  public readonly privateSubnetCidrs: string[];
  /** Address ranges of the Secrets Manager endpoint's interfaces (the rotation function's HTTPS egress). */
  public readonly secretsManagerEndpointCidrs: string[];
  /** Route tables an S3 gateway endpoint attaches to (empty: none is created). */
  public readonly routeTableIds: string[];
  public readonly vpc?: Vpc;
  public secretsManagerEndpoint?: VpcEndpoint;
  public endpointSecurityGroup?: SecurityGroup;
  public s3Endpoint?: VpcEndpoint;
  public flowLog?: FlowLog;
  private readonly environment: AwsEnvironment;
  private readonly prefix: string;
  private readonly createSecretsManagerEndpoint: boolean;

  constructor(scope: Construct, id: string, props: HostNetworkProps) {
    super(scope, id);
    this.environment = props.environment;
    this.prefix = props.prefix;
    validateNetworkProps(this.node.path, props);
    const tag = (name: string) => ({ Name: `${props.prefix}-${name}` });

    if (props.create) {
      const c = props.create;
      this.vpc = new Vpc(this, "Vpc", { cidrBlock: c.cidr, enableDnsSupport: true, enableDnsHostnames: true, tags: tag("vpc") });
      this.vpcId = this.vpc.id;
      // The default security group allows all traffic between its members: leave it with no rules.
      new DefaultSecurityGroup(this, "DefaultSecurityGroup", { vpcId: this.vpc.id, ingress: [], egress: [], tags: tag("default-locked") });
      const igw = new InternetGateway(this, "InternetGateway", { vpcId: this.vpc.id, tags: tag("igw") });
      const pub = new Subnet(this, "PublicSubnet", {
        vpcId: this.vpc.id,
        cidrBlock: c.publicSubnet.cidr,
        availabilityZone: c.publicSubnet.availabilityZone,
        mapPublicIpOnLaunch: false,
        tags: tag("public"),
      });
      const publicRoutes = new RouteTable(this, "PublicRoutes", { vpcId: this.vpc.id, route: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tag("public") });
      new RouteTableAssociation(this, "PublicRoutesAssociation", { subnetId: pub.id, routeTableId: publicRoutes.id });
      // Private subnets: only the VPC-local route (and the S3 gateway endpoint's prefix list).
      const privateRoutes = new RouteTable(this, "PrivateRoutes", { vpcId: this.vpc.id, route: [], tags: tag("private") });
      const priv = c.privateSubnets.map((s, i) => {
        const subnet = new Subnet(this, `PrivateSubnet${i}`, { vpcId: this.vpc!.id, cidrBlock: s.cidr, availabilityZone: s.availabilityZone, mapPublicIpOnLaunch: false, tags: tag(`private-${i}`) });
        new RouteTableAssociation(this, `PrivateRoutesAssociation${i}`, { subnetId: subnet.id, routeTableId: privateRoutes.id });
        return subnet;
      });
      this.publicSubnetId = pub.id;
      this.publicSubnetCidr = c.publicSubnet.cidr;
      this.privateSubnetIds = priv.map((s) => s.id);
      this.privateSubnetCidrs = c.privateSubnets.map((s) => s.cidr);
      this.routeTableIds = [publicRoutes.id, privateRoutes.id];
      this.createSecretsManagerEndpoint = true;
      this.secretsManagerEndpointCidrs = this.privateSubnetCidrs;
    } else {
      const e = props.existing!;
      this.vpcId = e.vpcId;
      this.publicSubnetId = e.publicSubnet.id;
      this.publicSubnetCidr = e.publicSubnet.cidr;
      this.privateSubnetIds = e.privateSubnets.map((s) => s.id);
      this.privateSubnetCidrs = e.privateSubnets.map((s) => s.cidr);
      this.routeTableIds = [...(e.routeTableIds ?? [])];
      this.createSecretsManagerEndpoint = e.createSecretsManagerEndpoint ?? false;
      this.secretsManagerEndpointCidrs = this.createSecretsManagerEndpoint ? this.privateSubnetCidrs : [...(e.secretsManagerEndpointCidrs ?? [])];
    }
  }

  /**
   * Records the VPC's traffic in a CloudWatch log group (VPC flow logs), delivered by a role only
   * the VPC Flow Logs service of this account may assume, for this VPC's flow log only, and which
   * may write to that one log group. Only for a VPC this construct creates: an existing VPC's flow
   * logs belong to whoever owns it.
   */
  public addFlowLog(props: FlowLogProps): FlowLog {
    const v = new Validator(`Invalid flow log for ${this.node.path}`);
    v.check(this.vpc !== undefined, "existing", "flow logs are added only to a VPC this construct creates; an existing VPC's flow logs are its owner's");
    v.check(this.flowLog === undefined, "flowLog", "the VPC already has a flow log");
    const traffic = props.trafficType ?? "ALL";
    v.check(["ALL", "ACCEPT", "REJECT"].includes(traffic), "trafficType", `must be ALL, ACCEPT or REJECT, got ${traffic}`);
    const interval = props.maxAggregationInterval ?? 600;
    v.check(interval === 60 || interval === 600, "maxAggregationInterval", `must be 60 or 600, got ${interval}`);
    v.throwIfAny();
    const env = this.environment;
    const partition = partitionOf(env);
    const roleName = `${this.prefix}-vpc-flow-logs`;
    const role = new IamRole(this, "FlowLogRole", {
      name: roleName,
      description: "Delivers this VPC's flow logs to its log group",
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          // Confused-deputy guard: only this account's flow logs may use the role.
          Condition: {
            StringEquals: { "aws:SourceAccount": env.accountId },
            ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${env.region}:${env.accountId}:vpc-flow-log/*` },
          },
        },
      ]),
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, "FlowLogRolePolicy", {
      name: "write-flow-log-group",
      role: role.id,
      policy: policyDocument([
        {
          Sid: "WriteFlowLogGroup",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"],
          Resource: [props.logGroup.logGroupArn, `${props.logGroup.logGroupArn}:log-stream:*`],
        },
      ]),
    });
    this.flowLog = new FlowLog(this, "FlowLog", {
      vpcId: this.vpc!.id,
      trafficType: traffic,
      logDestinationType: "cloud-watch-logs",
      logDestination: props.logGroup.logGroupArn,
      iamRoleArn: role.arn,
      maxAggregationInterval: interval,
      tags: { Name: `${this.prefix}-vpc-flow-log` },
    });
    return this.flowLog;
  }

  /**
   * Adds the VPC endpoints: Secrets Manager (interface, private DNS, in the private subnets,
   * reachable on 443 only from the given security groups) and S3 (gateway, free) on the route tables.
   */
  public addEndpoints(props: EndpointProps): void {
    const env = this.environment;
    const partition = partitionOf(env);
    if (this.createSecretsManagerEndpoint) {
      this.endpointSecurityGroup = new SecurityGroup(this, "EndpointSecurityGroup", {
        name: `${this.prefix}-endpoints`,
        description: "VPC interface endpoints: HTTPS from the rotation function and the Docker host only",
        vpcId: this.vpcId,
        ingress: [{ description: "HTTPS from the project's clients", protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: [...props.clientSecurityGroupIds] }],
        egress: [],
        tags: { Name: `${this.prefix}-endpoints` },
      });
      this.secretsManagerEndpoint = new VpcEndpoint(this, "SecretsManagerEndpoint", {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${env.region}.secretsmanager`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [this.endpointSecurityGroup.id],
        // Only this account's principals, only the project's secrets: a stolen credential of another
        // account cannot use the endpoint to move data out.
        policy: policyDocument([
          {
            Sid: "OnlyThisAccountsProjectSecrets",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${env.accountId}:root` },
            Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
            Resource: props.secretNamePrefixes.map((p) => `arn:${partition}:secretsmanager:${env.region}:${env.accountId}:secret:${p}*`),
          },
          {
            Sid: "RandomPasswordsForRotation",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${env.accountId}:root` },
            // GetRandomPassword has no resource-level permissions: "*" is the only form AWS accepts.
            Action: "secretsmanager:GetRandomPassword",
            Resource: "*",
          },
        ]),
        tags: { Name: `${this.prefix}-secretsmanager` },
      });
    }
    if (this.routeTableIds.length > 0) {
      this.s3Endpoint = new VpcEndpoint(this, "S3Endpoint", {
        vpcId: this.vpcId,
        serviceName: `com.amazonaws.${env.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: this.routeTableIds,
        tags: { Name: `${this.prefix}-s3` },
      });
    }
  }
}

function validateNetworkProps(path: string, props: HostNetworkProps): void {
  const v = new Validator(`Invalid props for ${path}`);
  v.check(AWS_NAME.pattern.test(props.prefix), "prefix", AWS_NAME.message);
  v.check(!!props.create !== !!props.existing, "create", "set exactly one of create (a new VPC) and existing (ids of a VPC you have)");
  const cidrOk = (c: string, f: string, { minBits: min, maxBits: max }: { minBits: number; maxBits: number } = SUBNET_CIDR_BITS) => {
    const p = parseCidr(c);
    v.check(p !== undefined && p.bits >= min && p.bits <= max, f, `must be an IPv4 network address in CIDR form from /${min} to /${max}, got "${c}"`);
    return p !== undefined;
  };
  if (props.create) {
    const c = props.create;
    const vpcOk = cidrOk(c.cidr, "create.cidr", VPC_CIDR_BITS);
    const subnets: [string, string, string][] = [
      ["create.publicSubnet", c.publicSubnet.cidr, c.publicSubnet.availabilityZone],
      ...c.privateSubnets.map((s, i) => [`create.privateSubnets.${i}`, s.cidr, s.availabilityZone] as [string, string, string]),
    ];
    v.check(c.privateSubnets.length >= 1 && c.privateSubnets.length <= 3, "create.privateSubnets", "must list 1 to 3 subnets");
    subnets.forEach(([f, cidr, az], i) => {
      if (cidrOk(cidr, `${f}.cidr`) && vpcOk) v.check(cidrWithin(c.cidr, cidr), `${f}.cidr`, `must lie within create.cidr (${c.cidr})`);
      v.check(AVAILABILITY_ZONE.pattern.test(az) && az.startsWith(props.environment.region), `${f}.availabilityZone`, `must be an availability zone of ${props.environment.region}, such as ${props.environment.region}a`);
      subnets.slice(0, i).forEach(([g, other]) => v.check(!cidrsOverlap(other, cidr), `${f}.cidr`, `overlaps ${g}.cidr (${other})`));
    });
  }
  if (props.existing) {
    const e = props.existing;
    v.check(VPC_ID.pattern.test(e.vpcId), "existing.vpcId", VPC_ID.message);
    v.check(SUBNET_ID.pattern.test(e.publicSubnet.id), "existing.publicSubnet.id", SUBNET_ID.message);
    cidrOk(e.publicSubnet.cidr, "existing.publicSubnet.cidr");
    v.check(e.privateSubnets.length >= 1, "existing.privateSubnets", "must list at least one subnet");
    e.privateSubnets.forEach((s, i) => {
      v.check(SUBNET_ID.pattern.test(s.id), `existing.privateSubnets.${i}.id`, SUBNET_ID.message);
      cidrOk(s.cidr, `existing.privateSubnets.${i}.cidr`);
    });
    if (!e.createSecretsManagerEndpoint) {
      const cidrs = e.secretsManagerEndpointCidrs ?? [];
      v.check(cidrs.length > 0, "existing.secretsManagerEndpointCidrs", "must list where the VPC's Secrets Manager endpoint lives (or set createSecretsManagerEndpoint: true)");
      cidrs.forEach((c, i) => cidrOk(c, `existing.secretsManagerEndpointCidrs.${i}`));
    }
    (e.routeTableIds ?? []).forEach((r, i) => v.check(ROUTE_TABLE_ID.pattern.test(r), `existing.routeTableIds.${i}`, ROUTE_TABLE_ID.message));
  }
  v.throwIfAny();
}
