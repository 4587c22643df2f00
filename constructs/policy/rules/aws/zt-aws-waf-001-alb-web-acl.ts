import { refsIn, Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const AlbWebAcl: Rule = {
  id: "ZT-AWS-WAF-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An internet-facing application load balancer has no WAF web ACL, or its web ACL writes no logs",
  checkov: ["CKV2_AWS_28", "CKV2_AWS_31"],
  explanation:
    "The public webhook and form paths skip sign-in by design, so something must stand in front of them: associate " +
    "every internet-facing ALB with an aws_wafv2_web_acl (aws_wafv2_web_acl_association) that rate-limits those paths and " +
    "runs AWS's managed rule groups, and give the web ACL an aws_wafv2_web_acl_logging_configuration (to a KMS-encrypted " +
    "aws-waf-logs-* log group) so blocks can be explained.",
  evaluate: (_stack, ctx) => {
    const aclOf = new Map<string, string[]>();
    for (const [, a] of ctx.resources("aws_wafv2_web_acl_association")) {
      const lbs = refsIn(a.resource_arn).filter((r) => /^aws_(lb|alb)\./.test(r)).map((r) => r.split(".").slice(0, 2).join("."));
      const acls = refsIn(a.web_acl_arn).filter((r) => r.startsWith("aws_wafv2_web_acl.")).map((r) => r.split(".").slice(0, 2).join("."));
      lbs.forEach((lb) => aclOf.set(lb, [...(aclOf.get(lb) ?? []), ...acls]));
    }
    const logged = new Set<string>();
    for (const [, l] of ctx.resources("aws_wafv2_web_acl_logging_configuration")) refsIn(l.resource_arn).filter((r) => r.startsWith("aws_wafv2_web_acl.")).forEach((r) => logged.add(r.split(".").slice(0, 2).join(".")));
    const check = (type: string) => (lb: Record<string, any>, key: string) => {
      if ((lb.load_balancer_type ?? "application") !== "application" || lb.internal === true) return undefined;
      const acls = aclOf.get(`${type}.${key}`) ?? [];
      if (acls.length === 0) return `load balancer ${displayName(lb, key)} faces the internet without a WAF web ACL`;
      const unlogged = acls.filter((a) => !logged.has(a));
      return unlogged.length > 0 ? `load balancer ${displayName(lb, key)}'s web ACL ${unlogged.join(", ")} writes no logs` : undefined;
    };
    return [...eachResource(ctx, "aws_lb", check("aws_lb")), ...eachResource(ctx, "aws_alb", check("aws_alb"))];
  },
};
