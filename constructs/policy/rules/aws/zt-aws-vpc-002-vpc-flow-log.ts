import { refsIn, Rule } from "../../rule";
import { eachResource, nameTagOr } from "./helpers";

export const VpcFlowLog: Rule = {
  id: "ZT-AWS-VPC-002",
  level: "warning",
  appliesTo: "aws_",
  cause: "A VPC has no flow log",
  checkov: ["CKV2_AWS_11"],
  explanation:
    "Without a flow log there is no record of which addresses reached the host or were refused by its security groups, " +
    "so an incident review has nothing to start from. Add an aws_flow_log for the VPC (vpc_id) into an encrypted log " +
    "group with a retention (HostNetwork.addFlowLog does this for a VPC it creates).",
  evaluate: (_stack, ctx) => {
    const logged = ctx.memo("vpc:flow-logged", () => new Set(ctx.resources("aws_flow_log").flatMap(([, f]) => refsIn(f.vpc_id))));
    return eachResource(ctx, "aws_vpc", (v, key) => (logged.has(`aws_vpc.${key}`) ? undefined : `VPC ${nameTagOr(v, key)} has no aws_flow_log`));
  },
};
