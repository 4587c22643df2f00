import { refTarget, Rule, RuleContext, RuleFinding, strings } from "../../rule";
import { blocksOf, displayName, eachResource } from "./helpers";

/** Ports the internet may reach: the edge proxy's HTTP (redirect, ACME) and HTTPS. */
const PUBLIC_PORTS = new Set([80, 443]);
const ICMP = new Set(["icmp", "1", "icmpv6", "58"]);
const PORTED = new Set(["tcp", "6", "udp", "17"]);

/** The internet sources among a rule's CIDRs: any /0 (0.0.0.0/0, ::/0). */
function internet(...cidrs: unknown[]): string[] {
  return cidrs.flatMap((c) => strings(c)).filter((c) => /^[0-9a-f.:]+\/0$/i.test(c.trim()));
}

/** What a rule admits beyond 80 and 443, as text ("tcp 22", "all traffic"), or undefined. */
function beyondWebPorts(protocol: unknown, from: unknown, to: unknown): string | undefined {
  const p = String(protocol ?? "").toLowerCase();
  // ICMP has types, not ports (ping, path-MTU discovery): out of this rule's scope.
  if (ICMP.has(p)) return undefined;
  if (p === "-1" || p === "all") return "all traffic (protocol -1)";
  if (!PORTED.has(p)) return `protocol ${p || "unset"} (every port)`;
  const [a, b] = [Number(from), Number(to)];
  if (!Number.isInteger(a) || !Number.isInteger(b) || from === "" || to === "") return `${p} ports ${from}-${to} (not resolved in the plan)`;
  if (a === b && PUBLIC_PORTS.has(a)) return undefined;
  return `${p} ${a === b ? a : `${a}-${b}`}`;
}

/** "rule for security group web" (by the group's name when the rule refers to a group of the stack). */
function ruleFor(ctx: RuleContext, groupRef: unknown): string {
  const target = refTarget(groupRef);
  const group = target ? ctx.lookup(target) : undefined;
  const name = group && target ? displayName(group, target.split(".")[1]) : typeof groupRef === "string" ? groupRef : "a security group";
  return `rule for security group ${name}`;
}

const finding = (what: string, problems: string[]) => (problems.length > 0 ? `${what} admits the internet on ${problems.join(", ")}` : undefined);

export const Ec2PublicIngress: Rule = {
  id: "ZT-AWS-EC2-003",
  level: "error",
  appliesTo: "aws_",
  cause: "A security group admits the internet (0.0.0.0/0 or ::/0) on a port other than 80 and 443",
  checkov: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_277"],
  explanation:
    "Only the edge proxy's HTTP (redirect and ACME) and HTTPS ports belong on the internet; SSH, Postgres, Docker's API or " +
    "an all-traffic rule there are scanned within minutes. Admit other ports from a security group (security_groups, " +
    "referenced_security_group_id) or a narrow CIDR, and reach the host through SSM Session Manager. Inline ingress " +
    "blocks of aws_security_group and aws_default_security_group, aws_security_group_rule (type ingress) and " +
    "aws_vpc_security_group_ingress_rule are read; protocol -1 counts as every port, ICMP is not a port and is not checked.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    for (const type of ["aws_security_group", "aws_default_security_group"]) {
      out.push(
        ...eachResource(ctx, type, (g, key) => {
          const problems: string[] = [];
          for (const r of blocksOf(g.ingress)) {
            const from = internet(r.cidr_blocks, r.ipv6_cidr_blocks);
            const what = from.length > 0 ? beyondWebPorts(r.protocol, r.from_port, r.to_port) : undefined;
            if (what) problems.push(`${what} from ${from.join(", ")}`);
          }
          return finding(`security group ${displayName(g, key)}`, problems);
        }),
      );
    }
    out.push(
      ...eachResource(ctx, "aws_security_group_rule", (r) => {
        if (r.type !== "ingress") return undefined;
        const from = internet(r.cidr_blocks, r.ipv6_cidr_blocks);
        const what = from.length > 0 ? beyondWebPorts(r.protocol, r.from_port, r.to_port) : undefined;
        return what ? finding(ruleFor(ctx, r.security_group_id), [`${what} from ${from.join(", ")}`]) : undefined;
      }),
    );
    out.push(
      ...eachResource(ctx, "aws_vpc_security_group_ingress_rule", (r) => {
        const from = internet(r.cidr_ipv4, r.cidr_ipv6);
        const what = from.length > 0 ? beyondWebPorts(r.ip_protocol, r.from_port, r.to_port) : undefined;
        return what ? finding(ruleFor(ctx, r.security_group_id), [`${what} from ${from.join(", ")}`]) : undefined;
      }),
    );
    return out;
  },
};
