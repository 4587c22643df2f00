import { gzipSync } from "node:zlib";
import { Construct } from "constructs";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { SecurityGroup, SecurityGroupEgress, SecurityGroupIngress } from "@cdktf/provider-aws/lib/security-group";
import { Validator } from "../common/validation";
import { secretValueProblem } from "../common/secret-patterns";
import { usableInSubnet } from "./cidr";
import { boundMessage, inBound, ROOT_VOLUME_GB, TCP_PORT } from "../common/bounds";
import { DOCKER_HOST_DEFAULTS } from "../common/defaults";
import { AMI_ID, AWS_NAME, formatProblem, INSTANCE_TYPE } from "../common/patterns";
import { CustomerManagedKey } from "./kms-key";

export interface DockerHostProps {
  /** Name of the instance, its security group and profile, e.g. `n8n-prod-docker-host`. */
  readonly name: string;
  /** Encrypts the root volume. */
  readonly key: CustomerManagedKey;
  /** Name of the host's IAM role (its least-privilege policy is attached by the caller). */
  readonly roleName: string;
  readonly vpcId: string;
  /** The public subnet the host lives in, and its range (for the private address check). */
  readonly subnet: { readonly id: string; readonly cidr: string };
  /** The host's fixed private address: prod-runtime publishes Postgres there. */
  readonly privateIp: string;
  /** AMI (Amazon Linux 2023 for the instance type's architecture). Pinned: never looked up at plan time. */
  readonly amiId: string;
  /** @default "t3.large" (2 vCPU, 8 GiB: n8n, its runners, Postgres and the edge with headroom) */
  readonly instanceType?: string;
  /** Root volume size in GiB (gp3). @default 40 */
  readonly rootVolumeGb?: number;
  /** cloud-init user data (no secrets: the host fetches them at run time). */
  readonly userData: string;
  /** Security groups whose members may connect to Postgres (the rotation function). */
  readonly postgresClientSecurityGroupIds: readonly string[];
  /** @default 5432 */
  readonly postgresPort?: number;
  /**
   * Tenants (issue 16): each tenant's Postgres is published at its own port, reachable only from
   * that tenant's rotation function. When set, `postgresClientSecurityGroupIds` must be empty and
   * `postgresPort` is unused.
   * @default - none: one Postgres at `postgresPort`
   */
  readonly postgresTenantClients?: readonly { readonly tenant: string; readonly port: number; readonly securityGroupId: string }[];
  /**
   * TCP ports the host (n8n's workflows, ACME, image pulls, AWS APIs) may connect to anywhere.
   * @default [80, 443]
   */
  readonly egressTcpPorts?: readonly number[];
  /** Protect the instance from `TerminateInstances` (it holds Postgres' data). @default true */
  readonly terminationProtection?: boolean;
}


/**
 * The production Docker host: an EC2 instance with IMDSv2 required (hop limit 1, so containers
 * cannot take the instance's credentials), a gp3 root volume encrypted with the customer-managed
 * key, no key pair and no SSH port (operators use SSM Session Manager), detailed monitoring, an
 * Elastic IP, and a security group that admits 80/443 from the internet and Postgres only from the
 * given security groups. Egress is limited to the given TCP ports.
 */
export class DockerHost extends Construct {
  public readonly instance: Instance;
  public readonly securityGroup: SecurityGroup;
  public readonly instanceProfile: IamInstanceProfile;
  public readonly elasticIp: Eip;
  public readonly instanceId: string;
  public readonly publicIp: string;
  public readonly privateIp: string;
  public readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: DockerHostProps) {
    super(scope, id);
    const instanceType = props.instanceType ?? DOCKER_HOST_DEFAULTS.instanceType;
    const rootGb = props.rootVolumeGb ?? DOCKER_HOST_DEFAULTS.rootVolumeGb;
    const pgPort = props.postgresPort ?? 5432;
    const egressPorts = props.egressTcpPorts ?? DOCKER_HOST_DEFAULTS.egressTcpPorts;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(AWS_NAME.pattern.test(props.name), "name", AWS_NAME.message);
    for (const [field, problem] of [["amiId", formatProblem(AMI_ID, props.amiId)], ["instanceType", formatProblem(INSTANCE_TYPE, instanceType)]] as const) {
      if (problem) v.add(field, problem);
    }
    v.check(inBound(rootGb, ROOT_VOLUME_GB), "rootVolumeGb", `${boundMessage(ROOT_VOLUME_GB, " (GiB)")}, got ${rootGb}`);
    v.check(usableInSubnet(props.subnet.cidr, props.privateIp), "privateIp", `must be a usable address of the host's subnet ${props.subnet.cidr} (AWS reserves the first four and the last)`);
    const tenantClients = props.postgresTenantClients;
    if (tenantClients) {
      v.check(tenantClients.length > 0, "postgresTenantClients", "must list at least one tenant (without tenants, leave it unset)");
      v.check(props.postgresClientSecurityGroupIds.length === 0, "postgresClientSecurityGroupIds", "must be empty with postgresTenantClients (each tenant's rotation function reaches only its own port)");
      tenantClients.forEach((c, i) => v.check(inBound(c.port, TCP_PORT) && c.port !== 80 && c.port !== 443, `postgresTenantClients.${i}.port`, `must be a TCP port from 1 to 65535 other than 80 and 443, got ${c.port}`));
      const ports = tenantClients.map((c) => c.port);
      v.check(new Set(ports).size === ports.length, "postgresTenantClients", `ports must be unique (one Postgres per port), got ${ports.join(", ")}`);
    } else {
      v.check(props.postgresClientSecurityGroupIds.length > 0, "postgresClientSecurityGroupIds", "must name the rotation function's security group");
    }
    const port = (p: number) => inBound(p, TCP_PORT);
    v.check(port(pgPort), "postgresPort", "must be a TCP port from 1 to 65535");
    egressPorts.forEach((p, i) => v.check(port(p), `egressTcpPorts.${i}`, `must be a TCP port from 1 to 65535, got ${p}`));
    // The plan holds the user data compressed, where no scanner can read it: check it here.
    const leak = secretValueProblem(props.userData);
    v.check(leak === undefined, "userData", `must not contain a secret value (${leak}); the host fetches secrets at run time`);
    const userDataBase64 = gzipBase64(props.userData);
    v.check(userDataBase64.length <= USER_DATA_LIMIT_BYTES, "userData", `is ${userDataBase64.length} bytes after gzip and base64; EC2 accepts at most ${USER_DATA_LIMIT_BYTES}`);
    v.throwIfAny();

    const ingress: SecurityGroupIngress[] = [
      // Port 80 only redirects to HTTPS (and answers ACME HTTP-01); 443 serves the editor (SSO) and webhooks.
      { description: "HTTP (redirect to HTTPS)", protocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["0.0.0.0/0"] },
      { description: "HTTPS", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      ...(tenantClients
        ? tenantClients.map((c) => ({ description: `Postgres of tenant ${c.tenant} from its rotation function only`, protocol: "tcp", fromPort: c.port, toPort: c.port, securityGroups: [c.securityGroupId] }))
        : [{ description: "Postgres from the rotation function only", protocol: "tcp", fromPort: pgPort, toPort: pgPort, securityGroups: [...props.postgresClientSecurityGroupIds] }]),
    ];
    const egress: SecurityGroupEgress[] = [...new Set(egressPorts)]
      .sort((a, b) => a - b)
      .map((p) => ({ description: `TCP ${p} out`, protocol: "tcp", fromPort: p, toPort: p, cidrBlocks: ["0.0.0.0/0"] }));
    this.securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: props.name,
      description: "Docker host: 80/443 from the internet, Postgres from the rotation function only, no SSH",
      vpcId: props.vpcId,
      ingress,
      egress,
      tags: { Name: props.name },
    });
    this.securityGroupId = this.securityGroup.id;

    this.instanceProfile = new IamInstanceProfile(this, "InstanceProfile", { name: props.name, role: props.roleName });
    props.key.allowUseVia("ec2");

    this.instance = new Instance(this, "Instance", {
      ami: props.amiId,
      instanceType,
      subnetId: props.subnet.id,
      privateIp: props.privateIp,
      vpcSecurityGroupIds: [this.securityGroup.id],
      iamInstanceProfile: this.instanceProfile.name,
      associatePublicIpAddress: false,
      // IMDSv2 only; hop limit 1 keeps the instance's credentials away from containers.
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
      rootBlockDevice: { volumeType: "gp3", volumeSize: rootGb, encrypted: true, kmsKeyId: props.key.keyArn, deleteOnTermination: false, tags: { Name: `${props.name}-root` } },
      // gzip keeps the agent within EC2's 16 KiB user-data limit (cloud-init unpacks it); base64
      // also keeps Terraform from reading the shell's ${...} as interpolation. `npm run host:print`
      // shows the document.
      userDataBase64,
      // cloud-init applies user data once, when the host is created: a change would only stop and
      // start the host for nothing (and replacing it would lose Postgres' data). Later agent changes
      // go through `npm run host:print -- --install-script` (see the README).
      userDataReplaceOnChange: false,
      disableApiTermination: props.terminationProtection ?? true,
      monitoring: true,
      ebsOptimized: true,
      tags: { Name: props.name },
      // The AMI is patched in place (dnf); a new AMI id in config must not replace the host.
      lifecycle: { ignoreChanges: ["ami", "user_data_base64"] },
    });
    this.instanceId = this.instance.id;
    this.privateIp = props.privateIp;
    this.elasticIp = new Eip(this, "ElasticIp", { domain: "vpc", instance: this.instance.id, tags: { Name: props.name } });
    this.publicIp = this.elasticIp.publicIp;
  }
}

/** EC2's limit on user data. It applies to the raw bytes; measuring the base64 form is stricter, on purpose. */
export const USER_DATA_LIMIT_BYTES = 16384;

/** gzip (no timestamp: the same text gives the same bytes) then base64, as cloud-init accepts it. */
export function gzipBase64(text: string): string {
  return gzipSync(Buffer.from(text, "utf8"), { level: 9 }).toString("base64");
}
