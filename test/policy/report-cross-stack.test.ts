import { gateText, portGates, stateLinks } from "../../constructs/policy/report/cross-stack";
import { exposureSection } from "../../constructs/policy/report/exposure";
import { mermaidDiagram } from "../../constructs/policy/report/mermaid";
import { cloudStack, linked, runtimeStack } from "./report-fixtures";

describe("cross-stack links", () => {
  const stacks = linked({ cloud: cloudStack(), runtime: runtimeStack() });
  const gates = portGates(stacks);
  const db = gates.find((g) => g.container === "db")!;
  const edge = gates.find((g) => g.container === "edge")!;

  test("a port bound to the host's private address is gated by the host's security group in the other stack, not internet-exposed", () => {
    expect(db.verdict).toBe("gated");
    expect(gateText(db)).toBe(
      "private address, gated by security group host-sg in cloud (admits: security group fn-sg (used by lambda function rotator, vpc endpoint sm) on tcp 5432); the host's public address forwards to this address, so the security group is what keeps the internet out",
    );
    expect(db.matchedBy).toEqual([
      "the port's address 10.0.1.5 is the private address of instance web-host in cloud",
      "runtime's Docker provider connects to 10.0.1.5, instance web-host's private address",
      "cloud's output `host_ip` has the same address",
    ]);
  });

  test("a port on every address of the provider's host is internet-exposed when the group admits /0 and the host has a public address", () => {
    expect(edge.verdict).toBe("internet");
    expect(gateText(edge)).toContain("**internet-exposed**");
  });

  test("without a public address the same rule reaches only what reaches the VPC; without a rule the port is closed", () => {
    const cloud = cloudStack();
    delete (cloud.resource as any).aws_eip;
    delete (cloud.resource as any).aws_vpc_security_group_ingress_rule;
    const g = portGates(linked({ cloud, runtime: runtimeStack() }));
    expect(g.find((x) => x.container === "edge")!.verdict).toBe("vpc");
    expect(gateText(g.find((x) => x.container === "db")!)).toBe("private address, closed by security group host-sg in cloud: no ingress rule admits tcp 5432");
  });

  test("a port on an address no stack declares is not matched (it stays as the exposure map shows it)", () => {
    const runtime = runtimeStack();
    (runtime.resource as any).docker_container.db.ports[0].ip = "10.9.9.9";
    (runtime as any).provider.docker[0].host = "ssh://deploy@docker.example.com";
    expect(portGates(linked({ cloud: cloudStack(), runtime }))).toEqual([]);
  });

  test("the exposure map and the diagram show the gated port from the security group, not from the internet", () => {
    const rt = stacks.find((s) => s.name === "runtime")!;
    const own = gates.filter((g) => g.stack === "runtime");
    expect(exposureSection(rt.ctx, own)).toContain("- `10.0.1.5:5432` → db:5432 — **not the edge proxy** — private address, gated by security group host-sg in cloud");
    const diagram = mermaidDiagram(rt.ctx, own);
    expect(diagram).not.toMatch(/internet -->\|"[^"]*5432/);
    expect(diagram).toContain('g_db_5432["SG host-sg (cloud) admits security group fn-sg on tcp 5432"]');
    expect(diagram).toContain('g_db_5432 -->|"10.0.1.5:5432→5432"| c_db');
    expect(diagram).toContain('internet -->|":443→443 via SG host-sg"| c_edge');
  });

  test("a stack that reads another's state through its backend is linked, with the outputs it uses", () => {
    expect(stateLinks(stacks)).toEqual([{ reader: "runtime", source: "cloud", backend: "s3 state/cloud.tfstate (eu-west-1)", outputs: [{ name: "log_group", what: "**log_group: not an output of cloud**" }] }]);
  });
});
