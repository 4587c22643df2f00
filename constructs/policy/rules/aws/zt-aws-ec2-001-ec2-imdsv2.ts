import { Rule, RuleFinding } from "../../rule";
import { block, eachResource, imdsV2ByDefault, nameTagOr } from "./helpers";

const KINDS: [string, string][] = [
  ["aws_instance", "instance"],
  ["aws_launch_template", "launch template"],
];

export const Ec2Imdsv2: Rule = {
  id: "ZT-AWS-EC2-001",
  level: "error",
  appliesTo: "aws_",
  cause: "An EC2 instance or launch template does not require IMDSv2",
  checkov: ["CKV_AWS_79"],
  explanation:
    "With IMDSv1 any process that can make the host send a GET request (an SSRF in a workflow, a container) reads the " +
    "instance role's credentials from 169.254.169.254. Set metadata_options.http_tokens = \"required\" (with " +
    "http_put_response_hop_limit = 1 so containers cannot reach it either), or http_endpoint = \"disabled\". An " +
    "aws_ec2_instance_metadata_defaults with http_tokens = \"required\" in the stack covers instances that set nothing.",
  evaluate: (_stack, ctx) => {
    const byDefault = imdsV2ByDefault(ctx);
    const out: RuleFinding[] = [];
    for (const [type, kind] of KINDS) {
      out.push(
        ...eachResource(ctx, type, (r, key) => {
          const m = block(r.metadata_options);
          if (m?.http_endpoint === "disabled" || m?.http_tokens === "required") return undefined;
          if (m?.http_tokens === undefined && byDefault) return undefined;
          return `${kind} ${nameTagOr(r, key)} allows IMDSv1 (metadata_options.http_tokens ${m?.http_tokens === undefined ? "unset" : `= "${m.http_tokens}"`})`;
        }),
      );
    }
    return out;
  },
};
