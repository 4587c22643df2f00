import { block, Rule } from "../../rule";
import { displayName, eachResource } from "./helpers";

export const EcsServicePublicIp: Rule = {
  id: "ZT-AWS-ECS-002",
  level: "error",
  appliesTo: "aws_",
  cause: "An ECS service gives its tasks public IPs or turns ECS Exec on",
  checkov: ["CKV_AWS_333"],
  explanation:
    "Tasks belong in private subnets behind a load balancer, reaching the internet through a NAT gateway: " +
    "assign_public_ip = true puts each task's network interface on the internet with only its security group in " +
    "front. enable_execute_command = true opens a shell into running tasks for anyone with ecs:ExecuteCommand; keep it " +
    "off and turn it on for a debugging session only, deliberately.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_ecs_service", (s, key) => {
      const name = displayName(s, key);
      const problems: string[] = [];
      if (block(s.network_configuration)?.assign_public_ip === true) problems.push("assigns public IPs to its tasks");
      if (s.enable_execute_command === true) problems.push("has ECS Exec on");
      return problems.length > 0 ? `service ${name} ${problems.join(" and ")}` : undefined;
    }),
};
