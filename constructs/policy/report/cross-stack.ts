import { StackJson } from "../docker-model";
import { isExpression, refsIn, RuleContext, strings } from "../rule";
import { nameTagOr } from "../rules/aws/helpers";
import { groupsOf, isInternet, nameOf, peerText, portText, publicAddresses, ruleCovers, SecurityGroup, SgRule } from "./aws-exposure";
import { cell, table } from "./markdown";

/*
 * How the reviewed stacks link, from their JSON alone: a stack that reads another's state
 * (terraform_remote_state with the other's backend), a Docker stack whose provider connects to an
 * instance of another stack, and host ports bound to that instance's address. A host port matched
 * to an instance is gated by the instance's security groups: the report says what they admit on
 * that port instead of "every address of the host".
 */

export interface LinkedStack {
  readonly name: string;
  readonly json: StackJson;
  readonly ctx: RuleContext;
}

/** A machine of an AWS stack that a Docker stack may run on. */
interface Host {
  readonly stack: LinkedStack;
  /** `aws_instance.X` or `aws_network_interface.Y`. */
  readonly address: string;
  readonly name: string;
  /** Literal private addresses; the first is the primary (where an Elastic IP forwards). */
  readonly privateIps: string[];
}

/** What stands between the network and one published host port. */
export interface PortGate {
  readonly stack: string;
  readonly container: string;
  readonly ip: string;
  readonly port: number;
  readonly host: { readonly stack: string; readonly name: string };
  /** How the port was matched to the host, in words. */
  readonly matchedBy: string[];
  readonly groups: string[];
  /** The ingress rules that admit the port, with their sources in words. */
  readonly admits: string[];
  readonly verdict: "internet" | "gated" | "closed" | "vpc";
  /** The bound address is the host's primary private address and the host has an Elastic IP or public IP. */
  readonly publicForwarded: boolean;
}

/** The key `exposure` and `mermaid` look a port up by. */
export const gateKey = (container: string, ip: string | undefined, external: number | undefined) => `${container} ${ip ?? "0.0.0.0"}:${external ?? "?"}`;

const ANY = new Set(["0.0.0.0", "::", ""]);
const PRIVATE = /^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|fd|fc)/i;

function hostsOf(stacks: LinkedStack[]): Host[] {
  const out: Host[] = [];
  for (const s of stacks) {
    for (const [key, i] of s.ctx.resources("aws_instance")) {
      const ips = [i.private_ip, ...strings(i.secondary_private_ips)].filter((x): x is string => typeof x === "string" && !isExpression(x));
      if (ips.length > 0) out.push({ stack: s, address: `aws_instance.${key}`, name: `instance ${nameTagOr(i, key)}`, privateIps: ips });
    }
    for (const [key, n] of s.ctx.resources("aws_network_interface")) {
      const ips = [n.private_ip, ...strings(n.private_ips)].filter((x): x is string => typeof x === "string" && !isExpression(x));
      if (ips.length > 0) out.push({ stack: s, address: `aws_network_interface.${key}`, name: `network interface ${nameTagOr(n, key)}`, privateIps: ips });
    }
  }
  return out;
}

/** The address a Docker provider connects to: `ssh://user@10.0.0.5`, `tcp://host:2376` → the host part. */
export function dockerProviderHosts(json: StackJson): string[] {
  const providers: string[] = [];
  const docker = (json.provider as Record<string, unknown> | undefined)?.docker;
  for (const p of Array.isArray(docker) ? docker : docker ? [docker] : []) {
    const host = (p as Record<string, unknown>)?.host;
    const m = typeof host === "string" ? /^(?:ssh|tcp|https?):\/\/(?:[^@/]+@)?(\[[^\]]+\]|[^:/]+)/.exec(host) : null;
    if (m) providers.push(m[1].replace(/^\[|\]$/g, ""));
  }
  return providers;
}

/** Outputs of a stack whose value is the literal `value` (e.g. `host_private_ip`). */
function outputsWithValue(json: StackJson, value: string): string[] {
  return Object.entries((json.output as Record<string, { value?: unknown }> | undefined) ?? {}).filter(([, o]) => o?.value === value).map(([k]) => k);
}

/** A backend as comparable text: `s3 bucket/key (region)`, `local path`. */
function backendId(type: string, config: Record<string, unknown> | undefined): string | undefined {
  if (!config) return undefined;
  if (type === "s3") return `s3 ${config.bucket}/${config.key}${config.region ? ` (${config.region})` : ""}`;
  if (type === "local") return `local ${config.path ?? "terraform.tfstate"}`;
  if (type === "gcs") return `gcs ${config.bucket}/${config.prefix ?? ""}`;
  if (type === "azurerm") return `azurerm ${config.storage_account_name}/${config.container_name}/${config.key}`;
  if (type === "remote" || type === "cloud") return `${type} ${JSON.stringify(config.organization ?? "")}/${JSON.stringify(config.workspaces ?? "")}`;
  return `${type} ${JSON.stringify(config)}`;
}

/** Which stack reads which stack's state, and which of its outputs. */
export interface StateLink {
  readonly reader: string;
  readonly source: string;
  readonly backend: string;
  /** Outputs read, each with what it is in the source stack ("cloudwatch log group /n8n-prod/traefik"). */
  readonly outputs: { readonly name: string; readonly what: string }[];
}

export function stateLinks(stacks: LinkedStack[]): StateLink[] {
  const byBackend = new Map<string, LinkedStack>();
  for (const s of stacks) {
    const backend = ((s.json.terraform as Record<string, any> | undefined)?.backend ?? {}) as Record<string, Record<string, unknown>>;
    for (const [type, config] of Object.entries(backend)) {
      const id = backendId(type, config);
      if (id) byBackend.set(id, s);
    }
  }
  const out: StateLink[] = [];
  for (const s of stacks) {
    for (const [key, d] of s.ctx.dataSources("terraform_remote_state")) {
      const id = backendId(String(d.backend ?? "local"), d.config);
      const source = id ? byBackend.get(id) : undefined;
      if (!source || source === s) continue;
      const prefix = `data.terraform_remote_state.${key}`;
      const { ["//"]: _m, ...body } = s.json as Record<string, unknown>;
      const names = [...new Set([...JSON.stringify(body).matchAll(new RegExp(`\\$\\{${prefix.replace(/[.-]/g, "\\$&")}\\.outputs\\.([A-Za-z0-9_-]+)`, "g"))].map((m) => m[1]))];
      const outputs = names.map((name) => {
        const output = (source.json.output as Record<string, { value?: unknown }> | undefined)?.[name];
        if (!output) return { name, what: `**${name}: not an output of ${source.name}**` };
        const ref = refsIn(output.value)[0];
        return { name, what: ref ? `${nameOf(source.ctx, ref)}${/\.name\}$/.test(String(output.value)) ? " (name)" : ""}` : `${name} = ${JSON.stringify(output.value)}` };
      });
      out.push({ reader: s.name, source: source.name, backend: id!, outputs });
    }
  }
  return out;
}

function gateOf(stack: LinkedStack, container: string, ip: string, port: number, host: Host, matchedBy: string[]): PortGate {
  const ctx = host.stack.ctx;
  const groups: SecurityGroup[] = groupsOf(ctx, host.address);
  const admitting: { g: SecurityGroup; r: SgRule }[] = groups.flatMap((g) => g.rules.filter((r) => r.direction === "ingress" && ruleCovers(r, port)).map((r) => ({ g, r })));
  const isPublic = publicAddresses(ctx).some((a) => a.targets.includes(host.address));
  const internet = admitting.some(({ r }) => r.peers.some(isInternet));
  const boundPrimary = ip === host.privateIps[0];
  return {
    stack: stack.name,
    container,
    ip,
    port,
    host: { stack: host.stack.name, name: host.name },
    matchedBy,
    groups: groups.map((g) => g.name),
    admits: admitting.map(({ g, r }) => `${r.peers.map((p) => peerText(ctx, p)).join(", ")} on ${portText(r)}${groups.length > 1 ? ` (group ${g.name})` : ""}`),
    verdict: admitting.length === 0 ? "closed" : internet ? (isPublic ? "internet" : "vpc") : "gated",
    publicForwarded: isPublic && (ANY.has(ip) || boundPrimary),
  };
}

/** Every published host port of the Docker stacks matched to an instance of another stack, with its gate. */
export function portGates(stacks: LinkedStack[]): PortGate[] {
  const hosts = hostsOf(stacks);
  const out: PortGate[] = [];
  for (const s of stacks) {
    const containers = s.ctx.resources("docker_container").length > 0 ? s.ctx.docker.containers : [];
    if (containers.length === 0) continue;
    const providerHosts = dockerProviderHosts(s.json);
    for (const c of containers) {
      for (const p of c.ports) {
        const ip = p.ip ?? "0.0.0.0";
        if (/^127\./.test(ip) || ip === "::1") continue;
        const byIp = ANY.has(ip) ? [] : hosts.filter((h) => h.privateIps.includes(ip) && h.stack !== s);
        const byProvider = hosts.filter((h) => h.privateIps.some((x) => providerHosts.includes(x)) && h.stack !== s);
        const host = byIp[0] ?? byProvider[0];
        if (!host || (byIp.length === 0 && !ANY.has(ip))) continue;
        const matchedBy: string[] = [];
        if (byIp.includes(host)) matchedBy.push(`the port's address ${ip} is the private address of ${host.name} in ${host.stack.name}`);
        if (byProvider.includes(host)) matchedBy.push(`${s.name}'s Docker provider connects to ${providerHosts.find((x) => host.privateIps.includes(x))}, ${host.name}'s private address`);
        const outs = host.privateIps.flatMap((x) => outputsWithValue(host.stack.json, x));
        if (outs.length > 0) matchedBy.push(`${host.stack.name}'s output ${outs.map((o) => `\`${o}\``).join(", ")} has the same address`);
        out.push(gateOf(s, c.name, ip, p.external ?? p.internal, host, matchedBy));
      }
    }
  }
  return out;
}

/** One gate in words, for the host-port list: "private address, gated by security group X in prod-cloud (admits: …)". */
export function gateText(g: PortGate): string {
  const where = ANY.has(g.ip) ? "every address of the host" : PRIVATE.test(g.ip) ? "private address" : "public address";
  const groups = `security group${g.groups.length > 1 ? "s" : ""} ${g.groups.join(", ") || "(none)"} in ${g.host.stack}`;
  const forwarded = g.publicForwarded && g.verdict !== "internet" && !ANY.has(g.ip) ? "; the host's public address forwards to this address, so the security group is what keeps the internet out" : "";
  if (g.verdict === "internet") return `**internet-exposed**: ${where} of ${g.host.name}, which has a public address; ${groups} admits ${g.admits.join("; ")}`;
  if (g.verdict === "closed") return `${where}, closed by ${groups}: no ingress rule admits tcp ${g.port}`;
  if (g.verdict === "vpc") return `${where}, ${groups} admits ${g.admits.join("; ")}, but ${g.host.name} has no public address: reachable from what reaches the VPC`;
  return `${where}, gated by ${groups} (admits: ${g.admits.join("; ")})${forwarded}`;
}

/** The cross-stack part of the report: links, gated ports (and how they were matched). */
export function linksSection(gates: PortGate[], links: StateLink[]): string {
  if (links.length === 0 && gates.length === 0) return "";
  const lines = ["### How the stacks link", ""];
  for (const l of links) {
    lines.push(`- **${l.reader}** reads **${l.source}**'s state (terraform_remote_state on ${l.source}'s backend, ${l.backend}): ${l.outputs.length > 0 ? l.outputs.map((o) => `${o.what}`).join(", ") : "no output used"}`);
  }
  const hostLinks = new Map<string, Set<string>>();
  for (const g of gates) hostLinks.set(`${g.stack} → ${g.host.name} in ${g.host.stack}`, new Set([...(hostLinks.get(`${g.stack} → ${g.host.name} in ${g.host.stack}`) ?? []), ...g.matchedBy]));
  for (const [link, how] of hostLinks) lines.push(`- **${link.split(" → ")[0]}** runs on ${link.split(" → ")[1]}: ${[...how].join("; ")}`);
  lines.push("");
  if (gates.length > 0) {
    lines.push("**Host ports and the security groups in front of them** (matched by address: a port bound to an instance's literal private address, or on every address of the host the stack's Docker provider connects to; a host named by DNS or an address computed at apply time is not matched and its ports stay as the exposure map shows them):", "");
    lines.push(...table(["stack", "host port → container", "runs on", "reachable by"], gates.map((g) => [cell(g.stack), cell(`${g.ip}:${g.port} → ${g.container}`), cell(`${g.host.name} (${g.host.stack})`), cell(gateText(g))])), "");
  }
  return lines.join("\n");
}
