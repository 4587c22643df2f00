import { Rule } from "../../rule";
import { eachResource, isTrue, nameTagOr } from "./helpers";

export const SubnetPublicIpByDefault: Rule = {
  id: "ZT-AWS-VPC-003",
  level: "warning",
  appliesTo: "aws_",
  cause: "A subnet gives every instance launched in it a public IP address",
  checkov: ["CKV_AWS_130"],
  explanation:
    "With map_public_ip_on_launch anything started in the subnet (a test instance, a second host) is reachable from " +
    "the internet as far as its security group allows, without anyone deciding so. Leave it false and give the one " +
    "host that must be public an Elastic IP, as DockerHost does.",
  evaluate: (_stack, ctx) =>
    eachResource(ctx, "aws_subnet", (s, key) => (isTrue(s.map_public_ip_on_launch) ? `subnet ${nameTagOr(s, key)} sets map_public_ip_on_launch` : undefined)),
};
