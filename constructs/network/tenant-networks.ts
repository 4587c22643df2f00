import { Construct } from "constructs";
import { Network } from "@cdktf/provider-docker/lib/network";
import { ipv4CidrProblem } from "../aws/cidr";
import { EDGE_SUBNET_BITS } from "../common/bounds";
import { NetworkRole, networkRoleLabels, TENANT_LABEL } from "../common/labels";
import { isUnresolved, RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, Validator } from "../common/validation";
import { WorkloadNetworks } from "./segmented-networks";

/** A Docker network of one role, with its role (and tenant) labels. */
function roleNetwork(scope: Construct, prefix: string, role: NetworkRole, internal: boolean, subnet?: string, tenant?: string): Network {
  return new Network(scope, `${role[0].toUpperCase()}${role.slice(1)}Network`, {
    name: `${prefix}-${role}`,
    driver: "bridge",
    internal,
    attachable: false,
    ipamConfig: subnet ? [{ subnet }] : undefined,
    labels: [...networkRoleLabels(role, internal), ...(tenant ? [{ label: TENANT_LABEL, value: tenant }] : [])],
  });
}

function validate(path: string, prefix: string, edgeSubnet: string): void {
  const v = new Validator(`Invalid props for ${path}`);
  v.check(RESOURCE_NAME_PATTERN.test(prefix), "prefix", RESOURCE_NAME_RULE);
  const subnetProblem = isUnresolved(edgeSubnet) ? undefined : ipv4CidrProblem(edgeSubnet, EDGE_SUBNET_BITS);
  if (subnetProblem) v.add("edgeSubnet", subnetProblem);
  v.throwIfAny();
}

export interface SharedEdgeNetworksProps {
  /** Prefix of the shared networks' names (`<prefix>-edge`, `<prefix>-socket`). */
  readonly prefix: string;
  /** Subnet of the shared edge network (Traefik and the dev IdP). */
  readonly edgeSubnet: string;
}

/**
 * The shared part of a multi-tenant host: the edge network (Traefik, the dev IdP) and the socket
 * network (Traefik, the socket proxy). No tenant workload joins either.
 */
export class SharedEdgeNetworks extends Construct {
  public readonly prefix: string;
  public readonly edgeSubnet: string;
  public readonly edge: Network;
  public readonly socket: Network;

  constructor(scope: Construct, id: string, props: SharedEdgeNetworksProps) {
    super(scope, id);
    validate(this.node.path, props.prefix, props.edgeSubnet);
    this.prefix = props.prefix;
    this.edgeSubnet = props.edgeSubnet;
    this.edge = roleNetwork(this, this.prefix, "edge", false, this.edgeSubnet);
    this.socket = roleNetwork(this, this.prefix, "socket", true);
  }
}

export interface TenantNetworksProps {
  /** The tenant's id (label `org.n8n-zero-trust.tenant` on each network). */
  readonly tenant: string;
  /** Prefix of its networks' names, `<name>-<tenant>`. */
  readonly prefix: string;
  /** Subnet of its own edge network; apart from every other tenant's and the shared one. */
  readonly edgeSubnet: string;
}

/**
 * One tenant's networks on a shared host: its own edge (Traefik and its oauth2-proxy), app
 * (Traefik, its n8n and runners), data (its n8n and Postgres, internal) and egress (its n8n).
 * Traefik is the only container that joins another tenant's networks too (edge and app only).
 *
 * | network | members | internal |
 * |---|---|---|
 * | `<prefix>-edge` | traefik, the tenant's oauth2-proxy | no |
 * | `<prefix>-app` | traefik, the tenant's n8n and runners | yes |
 * | `<prefix>-data` | the tenant's n8n and Postgres | yes |
 * | `<prefix>-egress` | the tenant's n8n | no |
 */
export class TenantNetworks extends Construct implements WorkloadNetworks {
  public readonly prefix: string;
  public readonly edgeSubnet: string;
  public readonly tenant: string;
  public readonly edge: Network;
  public readonly app: Network;
  public readonly data: Network;
  public readonly egress: Network;

  constructor(scope: Construct, id: string, props: TenantNetworksProps) {
    super(scope, id);
    validate(this.node.path, props.prefix, props.edgeSubnet);
    this.prefix = props.prefix;
    this.edgeSubnet = props.edgeSubnet;
    this.tenant = props.tenant;
    this.edge = roleNetwork(this, this.prefix, "edge", false, this.edgeSubnet, props.tenant);
    this.app = roleNetwork(this, this.prefix, "app", true, undefined, props.tenant);
    this.data = roleNetwork(this, this.prefix, "data", true, undefined, props.tenant);
    this.egress = roleNetwork(this, this.prefix, "egress", false, undefined, props.tenant);
  }
}
