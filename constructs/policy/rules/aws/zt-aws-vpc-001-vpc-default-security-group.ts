import { refsIn, Rule, RuleContext } from "../../rule";
import { blocksOf, eachResource, nameTagOr } from "./helpers";

const RULE_TYPES = ["aws_security_group_rule", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"];

/** For each VPC of the stack, its aws_default_security_group and how many rules that group keeps (inline and separate). */
function defaultGroups(ctx: RuleContext): Map<string, { address: string; ingress: number; egress: number; separate: number }> {
  return ctx.memo("vpc:default-groups", () => {
    const separate = new Map<string, number>();
    for (const type of RULE_TYPES) {
      for (const [, r] of ctx.resources(type)) {
        for (const g of new Set(refsIn(r.security_group_id))) if (g.startsWith("aws_default_security_group.")) separate.set(g, (separate.get(g) ?? 0) + 1);
      }
    }
    const byVpc = new Map<string, { address: string; ingress: number; egress: number; separate: number }>();
    for (const [name, g] of ctx.resources("aws_default_security_group")) {
      const address = `aws_default_security_group.${name}`;
      const entry = { address, ingress: blocksOf(g.ingress).length, egress: blocksOf(g.egress).length, separate: separate.get(address) ?? 0 };
      for (const vpc of new Set(refsIn(g.vpc_id))) if (vpc.startsWith("aws_vpc.")) byVpc.set(vpc, entry);
    }
    return byVpc;
  });
}

export const VpcDefaultSecurityGroup: Rule = {
  id: "ZT-AWS-VPC-001",
  level: "warning",
  appliesTo: "aws_",
  cause: "A VPC's default security group is not managed with no ingress and no egress rules",
  checkov: ["CKV2_AWS_12"],
  explanation:
    "Every VPC comes with a default security group that admits all traffic between its members and allows all egress, and " +
    "anything launched without a group (an ENI, a quick test instance) lands in it. Add an aws_default_security_group for " +
    "the VPC with ingress = [] and egress = [] (Terraform then removes AWS's rules) and attach no aws_security_group_rule " +
    "or aws_vpc_security_group_*_rule to it; give each workload its own group.",
  evaluate: (_stack, ctx) => {
    const groups = defaultGroups(ctx);
    return eachResource(ctx, "aws_vpc", (v, key) => {
      const g = groups.get(`aws_vpc.${key}`);
      const name = nameTagOr(v, key);
      if (!g) return `VPC ${name} has no aws_default_security_group, so AWS's allow-all default group stays`;
      const rules = [g.ingress && `${g.ingress} ingress`, g.egress && `${g.egress} egress`, g.separate && `${g.separate} separate`].filter(Boolean);
      return rules.length > 0 ? `VPC ${name}'s default security group ${g.address} keeps ${rules.join(", ")} rule(s)` : undefined;
    });
  },
};
