import { makeContext } from "../../constructs/policy/rule";
import { awsExposureSection, securityGroups } from "../../constructs/policy/report/aws-exposure";
import { cloudStack } from "./report-fixtures";

describe("network exposure of an AWS stack", () => {
  const ctx = makeContext("cloud", cloudStack());
  const section = awsExposureSection(ctx);

  test("security group rules from inline blocks and both rule resources, with sources resolved to groups and what uses them", () => {
    const host = securityGroups(ctx).find((g) => g.name === "host-sg")!;
    expect(host.usedBy).toEqual(["instance web-host"]);
    expect(host.rules.map((r) => `${r.direction} ${r.protocol} ${r.from}-${r.to}`).sort()).toEqual(["ingress tcp 22-22", "ingress tcp 443-443", "ingress tcp 5432-5432"]);
    expect(section).toContain("tcp 5432 from security group fn-sg (used by lambda function rotator, vpc endpoint sm)");
    expect(section).toContain("tcp 22 from 203.0.113.0/24");
    expect(section).toContain("tcp 5432 to 10.0.1.5/32 (instance web-host)");
  });

  test("what the internet reaches: the Elastic IP's instance on the ports its groups admit from /0, and a function URL without auth", () => {
    expect(section).toContain("- instance web-host through Elastic IP web-ip: tcp 443 (security group host-sg)");
    expect(section).toContain("Lambda function URL of lambda function rotator: authorization NONE — **anyone on the internet can invoke it**");
    expect(section).toContain("subnet public (10.0.1.0/24) gives every instance a public IPv4 address (map_public_ip_on_launch)");
  });

  test("interface endpoints with their groups, private DNS and policy", () => {
    expect(section).toMatch(/\| sm \| Interface \| com\.amazonaws\.eu-west-1\.secretsmanager \| — \| fn-sg: none \| yes \| none \(full access\) \|/);
  });

  test("a stack with no AWS network resource has no such section", () => {
    expect(awsExposureSection(makeContext("x", { resource: { docker_network: { n: { name: "n" } } } }))).toBe("");
  });
});
