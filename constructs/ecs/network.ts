import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { FlowLog } from "@cdktf/provider-aws/lib/flow-log";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { Validator } from "../common/validation";
import { ipv4CidrProblem } from "../aws/cidr";
import { AwsEnvironment, partitionOf, policyDocument } from "../aws/iam";
import { EncryptedLogGroup } from "../aws/monitoring";

export interface EcsNetworkZone {
  readonly availabilityZone: string;
  /** The ALB's and the NAT gateway's subnet (route to the internet gateway; no public IPs by default). */
  readonly publicSubnet: string;
  /** Tasks, RDS and Valkey (route out only through the NAT gateway). */
  readonly privateSubnet: string;
}

export interface EcsNetworkProps {
  readonly environment: AwsEnvironment;
  /** Prefix of every name (`<prefix>-vpc`, `<prefix>-private-a`...). */
  readonly prefix: string;
  readonly vpcCidr: string;
  /** Two or three zones. */
  readonly zones: readonly EcsNetworkZone[];
  /** NAT gateways: one (in the first zone) or one per zone. @default "one" */
  readonly natGateways?: "one" | "per-zone";
  /** The flow log's group (customer key, retention). */
  readonly flowLogGroup: EncryptedLogGroup;
}

/** Interface endpoints that replace internet paths: secrets, images, logs, and metrics (the queue-metrics function). */
export const ECS_INTERFACE_ENDPOINTS = ["secretsmanager", "ecr.api", "ecr.dkr", "logs", "monitoring"] as const;

/**
 * The VPC of `prod-ecs`: public subnets that hold only the ALB and the NAT gateway (no public IP
 * on launch), private subnets for the tasks, RDS and Valkey whose only way out is the NAT
 * gateway (n8n's calls to AI and SaaS APIs), interface endpoints for Secrets Manager, ECR and
 * CloudWatch Logs and an S3 gateway endpoint (image layers), so pulling images, reading secrets and
 * writing logs never leave AWS's network; the default security group locked (no rules) and a
 * flow log of every accepted and rejected flow.
 *
 * Cost (approximate list prices): a NAT gateway is about $0.045-0.052/h (~$33-38/month) plus the
 * same per GB processed; each interface endpoint ~$0.01/h per zone (~$7-9/month/zone).
 *
 * @example
 * new EcsNetwork(this, "Network", { environment, prefix: "n8n-ecs", vpcCidr: "10.30.0.0/16", zones, flowLogGroup });
 */
export class EcsNetwork extends Construct {
  public readonly vpc: Vpc;
  public readonly vpcId: string;
  public readonly publicSubnetIds: string[];
  public readonly privateSubnetIds: string[];
  public readonly privateSubnetCidrs: string[];
  /** The interface endpoints' group: HTTPS from the groups given to `allowEndpointClients`. */
  public readonly endpointSecurityGroup: SecurityGroup;
  public readonly natGateways: NatGateway[] = [];
  public readonly endpoints: VpcEndpoint[] = [];
  private readonly endpointClients: string[] = [];

  constructor(scope: Construct, id: string, props: EcsNetworkProps) {
    super(scope, id);
    const v = new Validator(`Invalid props for ${this.node.path}`);
    const cidrProblem = ipv4CidrProblem(props.vpcCidr, { minBits: 16, maxBits: 24 });
    if (cidrProblem) v.add("vpcCidr", cidrProblem);
    v.check(props.zones.length >= 2 && props.zones.length <= 3, "zones", `must list 2 or 3 zones (an ALB needs two), got ${props.zones.length}`);
    v.throwIfAny();
    const env = props.environment;
    const p = props.prefix;
    const tag = (name: string) => ({ Name: `${p}-${name}` });

    this.vpc = new Vpc(this, "Resource", { cidrBlock: props.vpcCidr, enableDnsHostnames: true, enableDnsSupport: true, tags: tag("vpc") });
    this.vpcId = this.vpc.id;
    // Anything launched without a group lands here: no rules at all.
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", { vpcId: this.vpc.id, ingress: [], egress: [], tags: tag("default-locked") });
    const igw = new InternetGateway(this, "InternetGateway", { vpcId: this.vpc.id, tags: tag("igw") });

    const publicRoutes = new RouteTable(this, "PublicRoutes", { vpcId: this.vpc.id, route: [{ cidrBlock: "0.0.0.0/0", gatewayId: igw.id }], tags: tag("public") });
    const suffix = (az: string) => az.slice(-1);
    const publicSubnets = props.zones.map((z) => {
      const s = new Subnet(this, `Public-${suffix(z.availabilityZone)}`, {
        vpcId: this.vpc.id,
        cidrBlock: z.publicSubnet,
        availabilityZone: z.availabilityZone,
        // The ALB gets its addresses from AWS; nothing launched here gets one by default.
        mapPublicIpOnLaunch: false,
        tags: tag(`public-${suffix(z.availabilityZone)}`),
      });
      new RouteTableAssociation(this, `PublicRoutes-${suffix(z.availabilityZone)}`, { subnetId: s.id, routeTableId: publicRoutes.id });
      return s;
    });
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    const natCount = (props.natGateways ?? "one") === "one" ? 1 : props.zones.length;
    for (let i = 0; i < natCount; i++) {
      const az = suffix(props.zones[i].availabilityZone);
      const eip = new Eip(this, `NatAddress-${az}`, { domain: "vpc", tags: tag(`nat-${az}`) });
      this.natGateways.push(new NatGateway(this, `Nat-${az}`, { subnetId: publicSubnets[i].id, allocationId: eip.allocationId, tags: tag(`nat-${az}`), dependsOn: [igw] }));
    }
    const privateSubnets = props.zones.map((z, i) => {
      const az = suffix(z.availabilityZone);
      const nat = this.natGateways[Math.min(i, this.natGateways.length - 1)];
      const routes = new RouteTable(this, `PrivateRoutes-${az}`, { vpcId: this.vpc.id, route: [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }], tags: tag(`private-${az}`) });
      const s = new Subnet(this, `Private-${az}`, { vpcId: this.vpc.id, cidrBlock: z.privateSubnet, availabilityZone: z.availabilityZone, mapPublicIpOnLaunch: false, tags: tag(`private-${az}`) });
      new RouteTableAssociation(this, `PrivateRoutes-${az}-Association`, { subnetId: s.id, routeTableId: routes.id });
      return { subnet: s, routes };
    });
    this.privateSubnetIds = privateSubnets.map((s) => s.subnet.id);
    this.privateSubnetCidrs = props.zones.map((z) => z.privateSubnet);

    this.endpointSecurityGroup = new SecurityGroup(this, "EndpointSecurityGroup", {
      name: `${p}-endpoints`,
      description: "Interface endpoints: HTTPS from the project tasks and functions only",
      vpcId: this.vpc.id,
      ingress: [{ description: "HTTPS from the project tasks and functions", protocol: "tcp", fromPort: 443, toPort: 443, securityGroups: Lazy.listValue({ produce: () => this.endpointClients }) }],
      egress: [],
      tags: tag("endpoints"),
    });
    for (const service of ECS_INTERFACE_ENDPOINTS) {
      this.endpoints.push(
        new VpcEndpoint(this, `Endpoint-${service.replace(".", "-")}`, {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${env.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: this.privateSubnetIds,
          securityGroupIds: [this.endpointSecurityGroup.id],
          tags: tag(`endpoint-${service}`),
        }),
      );
    }
    // ECR keeps image layers in S3: the gateway endpoint keeps those pulls off the NAT gateway (and its per-GB charge).
    this.endpoints.push(
      new VpcEndpoint(this, "Endpoint-s3", { vpcId: this.vpc.id, serviceName: `com.amazonaws.${env.region}.s3`, vpcEndpointType: "Gateway", routeTableIds: privateSubnets.map((s) => s.routes.id), tags: tag("endpoint-s3") }),
    );
    this.addFlowLog(env, p, props.flowLogGroup);
  }

  /** Lets a security group (a task's, a function's) reach the interface endpoints on 443. */
  public allowEndpointClients(...securityGroupIds: string[]): void {
    this.endpointClients.push(...securityGroupIds);
  }

  private addFlowLog(env: AwsEnvironment, prefix: string, group: EncryptedLogGroup): FlowLog {
    const role = new IamRole(this, "FlowLogRole", {
      name: `${prefix}-vpc-flow-logs`,
      description: "Delivers this VPC's flow logs to its log group",
      assumeRolePolicy: policyDocument([
        {
          Effect: "Allow",
          Principal: { Service: "vpc-flow-logs.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": env.accountId }, ArnLike: { "aws:SourceArn": `arn:${partitionOf(env)}:ec2:${env.region}:${env.accountId}:vpc-flow-log/*` } },
        },
      ]),
      maxSessionDuration: 3600,
    });
    new IamRolePolicy(this, "FlowLogRolePolicy", {
      name: "write-flow-log-group",
      role: role.id,
      policy: policyDocument([
        { Sid: "WriteFlowLogGroup", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"], Resource: [group.logGroupArn, `${group.logGroupArn}:log-stream:*`] },
      ]),
    });
    return new FlowLog(this, "FlowLog", { vpcId: this.vpc.id, trafficType: "ALL", logDestinationType: "cloud-watch-logs", logDestination: group.logGroupArn, iamRoleArn: role.arn, maxAggregationInterval: 600 });
  }
}
