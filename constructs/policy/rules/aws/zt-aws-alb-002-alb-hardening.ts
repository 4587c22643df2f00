import { block, Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const AlbHardening: Rule = {
  id: "ZT-AWS-ALB-002",
  level: "error",
  appliesTo: "aws_",
  cause: "An application load balancer keeps invalid header fields, writes no access logs or has no deletion protection",
  checkov: ["CKV_AWS_131", "CKV_AWS_91", "CKV_AWS_150"],
  explanation:
    "Set drop_invalid_header_fields = true (header names outside RFC 7230 are a request-smuggling vector to the " +
    "targets), access_logs with enabled = true into a hardened bucket (the record of who called which path, the ALB's " +
    "counterpart of the edge proxy's access log) and enable_deletion_protection = true (the ALB carries the sign-in " +
    "configuration; deleting it is an outage). Network load balancers are not checked.",
  evaluate: (_stack, ctx) => {
    const check = (lb: Record<string, any>, key: string) => {
      if ((lb.load_balancer_type ?? "application") !== "application") return undefined;
      const problems: string[] = [];
      if (lb.drop_invalid_header_fields !== true) problems.push("keeps invalid header fields");
      const logs = block(lb.access_logs);
      if (!logs || logs.enabled !== true || !logs.bucket) problems.push("writes no access logs");
      if (lb.enable_deletion_protection !== true) problems.push("has no deletion protection");
      return problems.length > 0 ? `load balancer ${displayName(lb, key)} ${problems.join(", ")}` : undefined;
    };
    return [...eachResource(ctx, "aws_lb", check), ...eachResource(ctx, "aws_alb", check)];
  },
};
