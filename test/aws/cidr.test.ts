import { TerraformStack, Testing } from "cdktf";
import { cidrContains, cidrsOverlap, cidrWithin, ipCidrProblem, ipv4AddressProblem, ipv4CidrProblem, ipv6CidrProblem, isPrivateIpv4, parseCidr, usableInSubnet } from "../../constructs/aws/cidr";
import { renderPostgresBootstrap } from "../../constructs/data/postgres-bootstrap";
import { SegmentedNetworks } from "../../constructs/network/segmented-networks";
import { devConfig, synthDev } from "../helpers/synth";
import { problemLines } from "../helpers/validation";

/*
 * One strict parser for every address and range the config and the constructs take: the schema,
 * SegmentedNetworks, N8n's SSRF exceptions, pg_hba ranges and the rotation function's egress.
 */

describe("ipv4CidrProblem", () => {
  test.each([
    ["10.0.1.0/24", {}],
    ["0.0.0.0/0", {}],
    ["255.255.255.255/32", {}],
    ["172.30.0.240/28", { minBits: 16, maxBits: 28 }],
    ["10.0.0.0/16", { minBits: 16, maxBits: 24 }],
  ])("%s is a network address in range", (cidr, range) => {
    expect(ipv4CidrProblem(cidr, range)).toBeUndefined();
  });

  test.each([
    ["10.0.1.5/24", {}, "10.0.1.5/24 has host bits set; the network address is 10.0.1.0/24"],
    ["10.0.0.1/0", {}, "10.0.0.1/0 has host bits set; the network address is 0.0.0.0/0"],
    ["10.20.3.5/31", {}, "10.20.3.5/31 has host bits set; the network address is 10.20.3.4/31"],
    ["10.0.256.0/24", {}, '"10.0.256.0/24" has the octet 256, above 255: each of the four octets is 0 to 255'],
    ["10.0.01.0/24", {}, '"10.0.01.0/24" has the octet "01" with a leading zero (read as octal by some tools, as decimal by others); write 10.0.1.0/24'],
    ["10.0.1.0/08", {}, '"10.0.1.0/08" has the prefix length "08" with a leading zero; write 10.0.1.0/8'],
    ["10.0.1.0/33", {}, '"10.0.1.0/33" has the prefix length "33", not a number from 0 to 32: must be an IPv4 CIDR, such as 10.0.1.0/24'],
    ["10.0.1.0/", {}, '"10.0.1.0/" has the prefix length "", not a number from 0 to 32: must be an IPv4 CIDR, such as 10.0.1.0/24'],
    ["10.0.1.0", {}, '"10.0.1.0" has no prefix length: must be an IPv4 CIDR, such as 10.0.1.0/24'],
    ["10.0.1/24", {}, '"10.0.1/24" is not four dot-separated numbers and a prefix length: must be an IPv4 CIDR, such as 10.0.1.0/24'],
    [" 10.0.1.0/24", {}, '" 10.0.1.0/24" is not four dot-separated numbers and a prefix length: must be an IPv4 CIDR, such as 10.0.1.0/24'],
    ["10.0.0.0/8", { minBits: 16, maxBits: 28 }, '"10.0.0.0/8" has the prefix length /8: must be an IPv4 CIDR from /16 to /28, such as 10.0.1.0/24'],
  ])("%s is refused", (cidr, range, message) => {
    expect(ipv4CidrProblem(cidr, range)).toBe(message);
  });

  test("the arithmetic helpers accept only strict ranges", () => {
    expect(parseCidr("10.0.1.0/24")).toEqual({ base: 0x0a000100, bits: 24 });
    for (const bad of ["10.0.1.5/24", "010.0.1.0/24", "10.0.1.0/024", "10.0.1.0/33"]) expect([bad, parseCidr(bad)]).toEqual([bad, undefined]);
    expect(cidrContains("10.0.1.0/24", "10.0.1.255")).toBe(true);
    expect(cidrContains("10.0.1.0/24", "10.0.01.7")).toBe(false);
    expect(cidrWithin("10.0.0.0/16", "10.0.3.0/24")).toBe(true);
    expect(cidrWithin("10.0.0.0/16", "10.1.3.0/24")).toBe(false);
    expect(cidrsOverlap("10.0.1.0/24", "10.0.1.128/25")).toBe(true);
    expect(cidrsOverlap("10.0.1.0/25", "10.0.1.128/25")).toBe(false);
    expect(usableInSubnet("10.0.1.0/24", "10.0.1.4")).toBe(true);
    expect(usableInSubnet("10.0.1.0/24", "10.0.1.3")).toBe(false);
    expect(usableInSubnet("10.0.1.0/24", "10.0.1.255")).toBe(false);
  });
});

describe("ipv4AddressProblem and isPrivateIpv4", () => {
  test("strict dotted quads", () => {
    expect(ipv4AddressProblem("10.20.1.10")).toBeUndefined();
    expect(ipv4AddressProblem("10.20.1")).toBe('"10.20.1" is not an IPv4 address: write four dot-separated numbers of 0 to 255, such as 10.0.1.10');
    expect(ipv4AddressProblem("10.20.1.010")).toMatch(/^"10\.20\.1\.010" has the octet "010" with a leading zero .*; write 10\.20\.1\.10$/);
    expect(ipv4AddressProblem("10.20.1.256")).toBe('"10.20.1.256" has the octet 256, above 255: each of the four octets is 0 to 255');
  });

  test("private means 10/8, 172.16/12 and 192.168/16, strictly written", () => {
    for (const ip of ["10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1"]) expect([ip, isPrivateIpv4(ip)]).toEqual([ip, true]);
    for (const ip of ["172.32.0.1", "8.8.8.8", "0.0.0.0", "10.999.1.1", "010.0.0.1", "192.168.1"]) expect([ip, isPrivateIpv4(ip)]).toEqual([ip, false]);
  });
});

describe("ipv6CidrProblem", () => {
  test.each(["fd00::/8", "::/0", "2001:db8::/32", "2001:db8:1:2:3:4:5:6/128", "::ffff:10.0.0.0/104", "FD00::/8"])("%s is accepted", (cidr) => {
    expect(ipv6CidrProblem(cidr)).toBeUndefined();
  });

  test.each([
    ["fd00::1/64", "fd00::1/64 has host bits set; the network address is fd00::/64"],
    ["2001:db8:0:0:1:0:0:0/64", "2001:db8:0:0:1:0:0:0/64 has host bits set; the network address is 2001:db8::/64"],
    ["fe80::/129", '"fe80::/129" has the prefix length "129": it is a number from 0 to 128; must be an IPv6 CIDR such as fd00:10::/64'],
    ["1::2::3/64", '"1::2::3/64" is not an IPv6 address with a prefix length: must be an IPv6 CIDR such as fd00:10::/64'],
    ["1:2:3:4:5:6:7/64", '"1:2:3:4:5:6:7/64" is not an IPv6 address with a prefix length: must be an IPv6 CIDR such as fd00:10::/64'],
    ["fd00::", '"fd00::" has no prefix length: must be an IPv6 CIDR such as fd00:10::/64'],
  ])("%s is refused", (cidr, message) => {
    expect(ipv6CidrProblem(cidr)).toBe(message);
    expect(ipCidrProblem(cidr)).toBe(message);
  });
});

describe("the constructs use the same parser", () => {
  test("SegmentedNetworks refuses an edge subnet with host bits, naming the network address", () => {
    const lines = problemLines(() => new SegmentedNetworks(new TerraformStack(Testing.app(), "s"), "Net", { prefix: "t", edgeSubnet: "172.31.5.9/24" }));
    expect(lines).toEqual(["edgeSubnet: 172.31.5.9/24 has host bits set; the network address is 172.31.5.0/24"]);
  });

  test("pg_hba ranges are strict CIDRs (Postgres wants the bits right of the mask zero)", () => {
    const base = devConfig().postgres;
    const lines = problemLines(() => renderPostgresBootstrap({ ...base, clientCidrs: ["10.20.0.5/24", "samenet", "10.020.0.0/24"] }));
    expect(lines).toEqual([
      "clientCidrs: 10.20.0.5/24 has host bits set; the network address is 10.20.0.0/24; or samenet, samehost",
      'clientCidrs: "10.020.0.0/24" has the octet "020" with a leading zero (read as octal by some tools, as decimal by others); write 10.20.0.0/24; or samenet, samehost',
    ]);
  });

  test("N8n refuses a time zone the runtime does not know, also when the schema is bypassed", () => {
    const c = devConfig();
    const lines = problemLines(() => synthDev({ ...c, n8n: { ...c.n8n, timezone: "Europe/Berln" } }));
    expect(lines).toEqual([expect.stringMatching(/^timezone: "Europe\/Berln" is not in this runtime's time-zone list .*allowed: IANA names such as UTC/)]);
  });
});
