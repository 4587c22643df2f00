import { isExpression, refsIn, refTarget, RuleContext, strings } from "../rule";
import { blocksOf, displayName, isTrue, nameTagOr } from "../rules/aws/helpers";
import { cell, table } from "./markdown";

/*
 * What of an AWS stack the network can reach, read generically from any cdktf JSON: security groups
 * and their rules (inline blocks, aws_security_group_rule, aws_vpc_security_group_*_rule) with
 * sources resolved to names, what each group is attached to, public addresses (Elastic IPs, public
 * IPs on launch, subnets routed to an internet gateway), VPC endpoints and other public entry points.
 */

/** Where a security-group rule admits traffic from (ingress) or to (egress). */
export type SgPeer =
  | { readonly kind: "cidr"; readonly cidr: string }
  | { readonly kind: "group"; readonly address?: string; readonly name: string }
  | { readonly kind: "prefix-list"; readonly id: string }
  | { readonly kind: "self" };

export interface SgRule {
  readonly direction: "ingress" | "egress";
  /** Lower-cased protocol as written: tcp, udp, icmp, -1 (all), a number. */
  readonly protocol: string;
  readonly from?: number;
  readonly to?: number;
  readonly peers: SgPeer[];
  readonly description?: string;
  /** Where the rule is written: the group's inline block or a rule resource's address. */
  readonly declaredIn: string;
}

export interface SecurityGroup {
  /** `aws_security_group.X` (or `aws_default_security_group.X`). */
  readonly address: string;
  readonly name: string;
  readonly description?: string;
  readonly rules: SgRule[];
  /** Resources that refer to the group (instances, functions, endpoints, interfaces), by name. */
  readonly usedBy: string[];
}

const SG_TYPES = ["aws_security_group", "aws_default_security_group"];
const RULE_TYPES = new Set(["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]);
const num = (v: unknown) => (v === undefined || v === null || v === "" || isExpression(v) || !Number.isFinite(Number(v)) ? undefined : Number(v));

/** `aws_instance` → "instance", `aws_lambda_function` → "lambda function". */
export function kindOf(type: string): string {
  return type.replace(/^aws_/, "").replace(/_/g, " ");
}

/** A resource of the stack by address, as "<kind> <name>" (the Name tag or name attribute). */
export function nameOf(ctx: RuleContext, address: string): string {
  const body = ctx.lookup(address);
  const [type, key] = address.startsWith("data.") ? address.split(".").slice(1) : address.split(".");
  return body ? `${kindOf(type)} ${nameTagOr(body, key)}` : address;
}

function groupPeer(ctx: RuleContext, ref: unknown): SgPeer {
  const target = refTarget(ref) ?? refsIn(ref)[0];
  const body = target ? ctx.lookup(target) : undefined;
  if (target && body && SG_TYPES.some((t) => target.startsWith(`${t}.`))) return { kind: "group", address: target, name: displayName(body, target.split(".")[1]) };
  return { kind: "group", name: String(ref) };
}

function peersOfBlock(ctx: RuleContext, r: Record<string, any>): SgPeer[] {
  return [
    ...[...strings(r.cidr_blocks), ...strings(r.ipv6_cidr_blocks), ...strings(r.cidr_ipv4), ...strings(r.cidr_ipv6)].map((cidr): SgPeer => ({ kind: "cidr", cidr })),
    ...[...strings(r.security_groups), ...strings(r.source_security_group_id), ...strings(r.referenced_security_group_id)].map((g) => groupPeer(ctx, g)),
    ...[...strings(r.prefix_list_ids), ...strings(r.prefix_list_id)].map((id): SgPeer => ({ kind: "prefix-list", id })),
    ...(isTrue(r.self) ? [{ kind: "self" } as SgPeer] : []),
  ];
}

/** Every security group of the stack with its rules, wherever they are written, and what uses it. Built once per stack. */
export function securityGroups(ctx: RuleContext): SecurityGroup[] {
  return ctx.memo("report:security-groups", () => {
    const groups = new Map<string, { address: string; name: string; description?: string; rules: SgRule[]; usedBy: string[] }>();
    for (const type of SG_TYPES) {
      for (const [key, g] of ctx.resources(type)) {
        const address = `${type}.${key}`;
        const rules: SgRule[] = [];
        for (const direction of ["ingress", "egress"] as const) {
          for (const r of blocksOf(g[direction])) rules.push({ direction, protocol: String(r.protocol ?? "").toLowerCase(), from: num(r.from_port), to: num(r.to_port), peers: peersOfBlock(ctx, r), description: r.description ?? undefined, declaredIn: "inline" });
        }
        groups.set(address, { address, name: type === "aws_default_security_group" ? `default (${nameTagOr(g, key)})` : displayName(g, key), description: typeof g.description === "string" ? g.description : undefined, rules, usedBy: [] });
      }
    }
    const groupOf = (ref: unknown) => groups.get(refTarget(ref) ?? refsIn(ref)[0] ?? "");
    for (const [key, r] of ctx.resources("aws_security_group_rule")) {
      groupOf(r.security_group_id)?.rules.push({ direction: r.type === "egress" ? "egress" : "ingress", protocol: String(r.protocol ?? "").toLowerCase(), from: num(r.from_port), to: num(r.to_port), peers: peersOfBlock(ctx, r), description: r.description ?? undefined, declaredIn: `aws_security_group_rule.${key}` });
    }
    for (const direction of ["ingress", "egress"] as const) {
      const type = `aws_vpc_security_group_${direction}_rule`;
      for (const [key, r] of ctx.resources(type)) {
        groupOf(r.security_group_id)?.rules.push({ direction, protocol: String(r.ip_protocol ?? "").toLowerCase(), from: num(r.from_port), to: num(r.to_port), peers: peersOfBlock(ctx, r), description: r.description ?? undefined, declaredIn: `${type}.${key}` });
      }
    }
    // Any other resource that refers to a group uses it (instances, functions, endpoints, interfaces, load balancers).
    for (const type of ctx.resourceTypes()) {
      if (SG_TYPES.includes(type) || RULE_TYPES.has(type)) continue;
      for (const [key, body] of ctx.resources(type)) {
        const { ["//"]: _meta, ...rest } = body;
        for (const ref of new Set(refsIn(rest))) groups.get(ref)?.usedBy.push(`${kindOf(type)} ${nameTagOr(body, key)}`);
      }
    }
    // A group that names another as a source does not use it: groups and rules are skipped above.
    for (const g of groups.values()) g.usedBy.splice(0, g.usedBy.length, ...new Set(g.usedBy));
    return [...groups.values()];
  });
}

/** "tcp 5432", "tcp 1024-65535", "all traffic", "icmp". */
export function portText(r: Pick<SgRule, "protocol" | "from" | "to">): string {
  if (r.protocol === "-1" || r.protocol === "all") return "all traffic";
  if (r.from === undefined && r.to === undefined) return r.protocol || "?";
  if (/^(icmp|icmpv6|1|58)$/.test(r.protocol)) return r.protocol;
  return `${r.protocol} ${r.from === r.to ? r.from : `${r.from ?? "?"}-${r.to ?? "?"}`}`;
}

/** True when the rule lets `protocol`/`port` through. */
export function ruleCovers(r: SgRule, port: number, protocol = "tcp"): boolean {
  if (r.protocol === "-1" || r.protocol === "all") return true;
  const p = r.protocol === "6" ? "tcp" : r.protocol === "17" ? "udp" : r.protocol;
  if (p !== protocol) return false;
  return r.from !== undefined && r.to !== undefined && r.from <= port && port <= r.to;
}

export const isInternet = (p: SgPeer) => p.kind === "cidr" && /^[0-9a-f.:]+\/0$/i.test(p.cidr.trim());

/** A peer in words: "0.0.0.0/0 (the internet)", "security group n8n-prod-rotation (used by lambda function n8n-prod-rotation)". */
export function peerText(ctx: RuleContext, p: SgPeer, groups = securityGroups(ctx)): string {
  if (p.kind === "cidr") {
    if (isInternet(p)) return `${p.cidr} (the internet)`;
    // A /32 that is an instance's private address: name the instance.
    const ip = /^(\d+\.\d+\.\d+\.\d+)\/32$/.exec(p.cidr)?.[1];
    const owner = ip ? ctx.resources("aws_instance").find(([, i]) => i.private_ip === ip) : undefined;
    return owner ? `${p.cidr} (instance ${nameTagOr(owner[1], owner[0])})` : p.cidr;
  }
  if (p.kind === "prefix-list") return `prefix list ${p.id}`;
  if (p.kind === "self") return "members of the same group";
  const g = p.address ? groups.find((x) => x.address === p.address) : undefined;
  return g ? `security group ${g.name}${g.usedBy.length > 0 ? ` (used by ${g.usedBy.join(", ")})` : ""}` : `security group ${p.name} (not in this stack)`;
}

/** A public address of the stack: an Elastic IP, an instance with a public IP, a subnet that hands them out. */
export interface PublicAddress {
  readonly what: string;
  /** Addresses (`aws_instance.X`, `aws_network_interface.Y`) that receive the public address. */
  readonly targets: string[];
}

/** Elastic IPs, instances with associate_public_ip_address, subnets with map_public_ip_on_launch. */
export function publicAddresses(ctx: RuleContext): PublicAddress[] {
  const out: PublicAddress[] = [];
  const associations = ctx.resources("aws_eip_association");
  for (const [key, e] of ctx.resources("aws_eip")) {
    const assoc = associations.filter(([, a]) => refsIn(a.allocation_id).includes(`aws_eip.${key}`)).map(([, a]) => a);
    const targets = [...refsIn(e.instance), ...refsIn(e.network_interface), ...assoc.flatMap((a) => [...refsIn(a.instance_id), ...refsIn(a.network_interface_id)])].filter((t) => /^aws_(instance|network_interface)\./.test(t));
    out.push({ what: `Elastic IP ${nameTagOr(e, key)}${e.associate_with_private_ip ? ` (on ${e.associate_with_private_ip})` : ""} → ${targets.length > 0 ? targets.map((t) => nameOf(ctx, t)).join(", ") : "not associated in this stack"}`, targets });
  }
  for (const [key, i] of ctx.resources("aws_instance")) if (isTrue(i.associate_public_ip_address)) out.push({ what: `instance ${nameTagOr(i, key)} gets a public IPv4 address at launch`, targets: [`aws_instance.${key}`] });
  for (const [key, s] of ctx.resources("aws_subnet")) if (isTrue(s.map_public_ip_on_launch)) out.push({ what: `subnet ${nameTagOr(s, key)} (${s.cidr_block ?? "?"}) gives every instance a public IPv4 address (map_public_ip_on_launch)`, targets: [] });
  return out;
}

/** Subnets whose route table sends 0.0.0.0/0 (or ::/0) to an internet gateway. */
function internetRoutedSubnets(ctx: RuleContext): string[] {
  const routes = new Map<string, string[]>();
  const toIgw = (r: Record<string, any>) => (r.cidr_block === "0.0.0.0/0" || r.ipv6_cidr_block === "::/0" || r.destination_cidr_block === "0.0.0.0/0" || r.destination_ipv6_cidr_block === "::/0") && refsIn(r.gateway_id).some((g) => g.startsWith("aws_internet_gateway."));
  for (const [key, t] of ctx.resources("aws_route_table")) if (blocksOf(t.route).some(toIgw)) routes.set(`aws_route_table.${key}`, []);
  for (const [, r] of ctx.resources("aws_route")) if (toIgw(r)) for (const t of refsIn(r.route_table_id)) routes.set(t, []);
  const out: string[] = [];
  for (const [, a] of ctx.resources("aws_route_table_association")) {
    if (!refsIn(a.route_table_id).some((t) => routes.has(t))) continue;
    for (const s of refsIn(a.subnet_id)) {
      const body = ctx.lookup(s);
      if (body) out.push(`subnet ${nameTagOr(body, s.split(".")[1])} (${body.cidr_block ?? "?"})`);
    }
  }
  return [...new Set(out)];
}

/** Entry points a resource opens to the internet by itself, besides addresses: function URLs, load balancers, databases. */
function otherPublicEntryPoints(ctx: RuleContext): string[] {
  const out: string[] = [];
  for (const [key, u] of ctx.resources("aws_lambda_function_url")) {
    const fn = refsIn(u.function_name)[0];
    out.push(`Lambda function URL${fn ? ` of ${nameOf(ctx, fn)}` : ` ${key}`}: authorization ${u.authorization_type ?? "?"}${u.authorization_type === "NONE" ? " — **anyone on the internet can invoke it**" : ""}`);
  }
  for (const type of ["aws_lb", "aws_alb", "aws_elb"]) for (const [key, lb] of ctx.resources(type)) if (!isTrue(lb.internal)) out.push(`${kindOf(type)} ${nameTagOr(lb, key)}: internet-facing`);
  for (const type of ["aws_db_instance", "aws_rds_cluster_instance", "aws_redshift_cluster"]) for (const [key, d] of ctx.resources(type)) if (isTrue(d.publicly_accessible)) out.push(`${kindOf(type)} ${nameTagOr(d, key)}: publicly_accessible`);
  for (const type of ["aws_apigatewayv2_api", "aws_api_gateway_rest_api", "aws_cloudfront_distribution"]) for (const [key, a] of ctx.resources(type)) out.push(`${kindOf(type)} ${nameTagOr(a, key)}: public by default`);
  return out;
}

/** The security groups an instance or network interface is in (by address). */
export function groupsOf(ctx: RuleContext, address: string): SecurityGroup[] {
  const body = ctx.lookup(address);
  if (!body) return [];
  const refs = [...strings(body.vpc_security_group_ids), ...strings(body.security_groups), ...blocksOf(body.network_interface).flatMap((n) => refsIn(n))].flatMap((r) => refsIn(r));
  return securityGroups(ctx).filter((g) => refs.includes(g.address));
}

const rulesText = (ctx: RuleContext, rules: SgRule[], groups: SecurityGroup[]) =>
  rules.length === 0 ? "none" : rules.map((r) => `${portText(r)} ${r.direction === "ingress" ? "from" : "to"} ${r.peers.map((p) => peerText(ctx, p, groups)).join(", ") || "?"}${r.description ? ` (“${r.description}”)` : ""}`).join("<br>");

/** The AWS side of the exposure map: security groups, public addresses, endpoints, other public entry points. */
export function awsExposureSection(ctx: RuleContext): string {
  const groups = securityGroups(ctx);
  const addresses = publicAddresses(ctx);
  const endpoints = ctx.resources("aws_vpc_endpoint");
  const others = otherPublicEntryPoints(ctx);
  if (groups.length === 0 && addresses.length === 0 && endpoints.length === 0 && others.length === 0) return "";
  const lines = ["### Network exposure (AWS)", ""];

  // What the internet reaches: public addresses × the ingress their groups admit from /0.
  lines.push("**What the internet reaches** (a public address, and a security group rule that admits 0.0.0.0/0 or ::/0):", "");
  const reach: string[] = [];
  for (const a of addresses) {
    for (const t of a.targets) {
      const open = groupsOf(ctx, t).flatMap((g) => g.rules.filter((r) => r.direction === "ingress" && r.peers.some(isInternet)).map((r) => `${portText(r)} (security group ${g.name})`));
      reach.push(`- ${nameOf(ctx, t)} through ${a.what.split(" → ")[0]}: ${open.length > 0 ? open.join(", ") : "nothing (no rule admits the internet)"}`);
    }
  }
  for (const o of others) reach.push(`- ${o}`);
  lines.push(...(reach.length > 0 ? reach : ["- nothing: no public address or public entry point in this stack"]), "");

  lines.push("**Public addresses**:", "");
  const routed = internetRoutedSubnets(ctx);
  lines.push(...(addresses.length > 0 ? addresses.map((a) => `- ${a.what}`) : ["- none"]));
  if (routed.length > 0) lines.push(`- routed to an internet gateway (public subnets): ${routed.join(", ")}`);
  lines.push("");

  if (groups.length > 0) {
    lines.push("**Security groups** (sources and destinations resolved to the groups of this stack and what uses them):", "");
    lines.push(
      ...table(
        ["security group", "attached to", "ingress", "egress"],
        groups.map((g) => [cell(`${g.name}${g.description ? ` — ${g.description}` : ""}`), cell(g.usedBy.join(", ") || "nothing in this stack"), cell(rulesText(ctx, g.rules.filter((r) => r.direction === "ingress"), groups)), cell(rulesText(ctx, g.rules.filter((r) => r.direction === "egress"), groups))]),
      ),
      "",
    );
  }

  if (endpoints.length > 0) {
    lines.push("**VPC endpoints** (AWS APIs reached without the internet):", "");
    lines.push(
      ...table(
        ["endpoint", "type", "service", "subnets / route tables", "security groups (admit)", "private DNS", "endpoint policy"],
        endpoints.map(([key, e]) => {
          const type = String(e.vpc_endpoint_type ?? "Gateway");
          const sgs = securityGroups(ctx).filter((g) => strings(e.security_group_ids).flatMap((r) => refsIn(r)).includes(g.address));
          const admits = sgs.map((g) => `${g.name}: ${rulesText(ctx, g.rules.filter((r) => r.direction === "ingress"), groups)}`);
          const where = [...strings(e.subnet_ids), ...strings(e.route_table_ids)].map((r) => (refTarget(r) ? nameOf(ctx, refTarget(r)!) : r));
          return [cell(nameTagOr(e, key)), type, cell(e.service_name), cell(where.join(", ") || "—"), cell(admits.join("; ") || (type === "Interface" ? "**none** (the VPC's default group)" : "—")), type === "Interface" ? (isTrue(e.private_dns_enabled) ? "yes" : "**no**") : "—", e.policy ? "yes (restricts what the endpoint serves)" : "none (full access)"];
        }),
      ),
      "",
    );
  }
  return lines.join("\n");
}
