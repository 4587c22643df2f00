import { pathOf, Rule } from "../../rule";

export const LambdaHardening: Rule = {
  id: "ZT-AWS-LMB-001",
  level: "warning",
  cause: "A Lambda function has no reserved concurrency or no dead-letter queue",
  checkov: ["CKV_AWS_115", "CKV_AWS_116"],
  explanation: "Reserved concurrency bounds what a runaway trigger can cost and keeps the function from starving others; a dead-letter queue keeps failed asynchronous events for inspection.",
  evaluate: (ctx) =>
    ctx.resources("aws_lambda_function").flatMap(([key, f]) => {
      const issues = [];
      if (f.reserved_concurrent_executions === undefined || f.reserved_concurrent_executions < 0) issues.push("no reserved concurrency");
      if (!f.dead_letter_config) issues.push("no dead-letter queue");
      return issues.length ? [{ resource: `aws_lambda_function.${key}`, path: pathOf(f), detail: `${f.function_name ?? key}: ${issues.join(", ")}` }] : [];
    }),
};
