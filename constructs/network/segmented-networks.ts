import { Construct } from "constructs";
import { Network } from "@cdktf/provider-docker/lib/network";
import { ipv4CidrProblem } from "../aws/cidr";
import { EDGE_SUBNET_BITS } from "../common/bounds";
import { NetworkRole, networkRoleLabels } from "../common/labels";
import { EDGE_SUBNET } from "../common/defaults";
import { isUnresolved, RESOURCE_NAME_PATTERN, RESOURCE_NAME_RULE, Validator } from "../common/validation";

export type { NetworkRole };

/**
 * The networks one n8n workload (oauth2-proxy, n8n, runners, Postgres) joins: a runtime's
 * `SegmentedNetworks`, or one tenant's `TenantNetworks` on a shared host.
 */
export interface WorkloadNetworks {
  /** Prefix of the workload's Docker names. */
  readonly prefix: string;
  /** Subnet of its edge network (oauth2-proxy trusts forwarded headers only from Traefik's address there). */
  readonly edgeSubnet: string;
  readonly edge: Network;
  readonly app: Network;
  readonly data: Network;
  readonly egress: Network;
  readonly runners?: Network;
  readonly queue?: Network;
}

export interface SegmentedNetworksProps {
  /**
   * Prefix of the Docker network names (`<prefix>-edge`, ...). Lets several tenants share a host.
   * @default - the construct id, lower-cased
   */
  readonly prefix?: string;
  /**
   * Subnet of the edge network. oauth2-proxy trusts `X-Forwarded-*` only from this range, so it
   * must be fixed and must not overlap other tenants' edge networks.
   * @default "172.30.0.0/24"
   */
  readonly edgeSubnet?: string;
  /**
   * Add the internal `runners` network (`<prefix>-runners`): queue mode's workers and their task
   * runners meet there, so the runners (which run user code) reach their worker's broker and
   * nothing else: not Traefik, main's API or the webhook processors on the app network.
   * @default false
   */
  readonly runners?: boolean;
  /**
   * Add the internal `queue` network (`<prefix>-queue`): queue mode's Valkey and n8n's processes
   * (main, workers, webhook processors) only, so no other client of the data network (Postgres,
   * the execution recovery agent) can reach the queue store. @default false
   */
  readonly queue?: boolean;
}

/**
 * Five Docker networks, one per trust boundary. Only `edge` (the proxy's way in and the IdP's way
 * out) and `egress` (n8n's calls to SaaS and AI APIs) may reach outside the host; `socket`, `app`
 * and `data` are `internal`, so nothing on them can open an outbound connection.
 *
 * | network | members | internal |
 * |---|---|---|
 * | edge | traefik, oauth2-proxy, dev IdP | no |
 * | socket | traefik, docker socket proxy | yes |
 * | app | traefik, n8n, task runners | yes |
 * | data | n8n, postgres | yes |
 * | egress | n8n | no |
 * | runners (queue mode) | workers, their task runners | yes |
 * | queue (queue mode) | valkey, n8n's processes (main, workers, webhook processors) | yes |
 */
export class SegmentedNetworks extends Construct implements WorkloadNetworks {
  public readonly edge: Network;
  public readonly socket: Network;
  public readonly app: Network;
  public readonly data: Network;
  public readonly egress: Network;
  /** Queue mode's workers and their task runners (`props.runners`); undefined otherwise. */
  public readonly runners?: Network;
  /** Queue mode's Valkey and n8n's processes (`props.queue`); undefined otherwise. */
  public readonly queue?: Network;
  /** Subnet of the edge network (the only source oauth2-proxy trusts for forwarded headers). */
  public readonly edgeSubnet: string;
  public readonly prefix: string;

  constructor(scope: Construct, id: string, props: SegmentedNetworksProps = {}) {
    super(scope, id);
    this.prefix = props.prefix ?? id.toLowerCase();
    this.edgeSubnet = props.edgeSubnet ?? EDGE_SUBNET;
    const v = new Validator(`Invalid props for ${this.node.path}`);
    v.check(RESOURCE_NAME_PATTERN.test(this.prefix), "prefix", RESOURCE_NAME_RULE);
    const subnetProblem = isUnresolved(this.edgeSubnet) ? undefined : ipv4CidrProblem(this.edgeSubnet, EDGE_SUBNET_BITS);
    if (subnetProblem) v.add("edgeSubnet", subnetProblem);
    v.throwIfAny();

    const make = (role: NetworkRole, internal: boolean, subnet?: string) =>
      new Network(this, `${role[0].toUpperCase()}${role.slice(1)}Network`, {
        name: `${this.prefix}-${role}`,
        driver: "bridge",
        internal,
        attachable: false,
        ipamConfig: subnet ? [{ subnet }] : undefined,
        labels: networkRoleLabels(role, internal),
      });
    this.edge = make("edge", false, this.edgeSubnet);
    this.socket = make("socket", true);
    this.app = make("app", true);
    this.data = make("data", true);
    this.egress = make("egress", false);
    if (props.runners) this.runners = make("runners", true);
    if (props.queue) this.queue = make("queue", true);
  }
}
