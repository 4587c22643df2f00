import { Rule, RuleFinding } from "../../rule";
import { eachResource, nameTagOr } from "./helpers";

export const Ec2KeyPair: Rule = {
  id: "ZT-AWS-EC2-004",
  level: "warning",
  appliesTo: "aws_",
  cause: "An EC2 instance or launch template has an SSH key pair (key_name)",
  explanation:
    "A key pair is a long-lived credential that works from anywhere port 22 is reachable, outside IAM and without an audit " +
    "trail of what was done. Leave key_name unset and let operators use SSM Session Manager: IAM decides who may open a " +
    "session, CloudTrail records it, and no inbound port is needed.",
  evaluate: (_stack, ctx) => {
    const out: RuleFinding[] = [];
    for (const [type, kind] of [
      ["aws_instance", "instance"],
      ["aws_launch_template", "launch template"],
    ]) {
      out.push(...eachResource(ctx, type, (r, key) => (typeof r.key_name === "string" && r.key_name !== "" ? `${kind} ${nameTagOr(r, key)} has key_name = ${r.key_name}` : undefined)));
    }
    return out;
  },
};
