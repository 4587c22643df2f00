/**
 * IPv4 (and IPv6) address and CIDR parsing for synth-time checks (never for tokens). One strict
 * parser for every field and prop that takes an address or a range: four octets of 0-255 written
 * without leading zeros (some tools read `010` as octal, others as decimal), a prefix length of
 * 0-32, and a range written as its network address (`10.0.1.5/24` is refused: did the author mean
 * the network 10.0.1.0/24 or the single host 10.0.1.5/32?).
 */

/** One octet: 0-255, no leading zero. */
const OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const EXAMPLE_CIDR = "10.0.1.0/24";

/** The address as an unsigned 32-bit number, or undefined when it is not a strict dotted quad. */
export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1, 5).map(Number);
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

function numberToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

function maskOf(bits: number): number {
  return bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
}

/**
 * What is wrong with the octets of a dotted quad, written for `quoted` (the value as the user
 * wrote it), or undefined when they are fine. `fixed` rewrites the value without leading zeros.
 */
function octetsProblem(ip: string, quoted: string, fixed: (ip: string) => string): string | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return "malformed";
  const leading = parts.find((p) => p.length > 1 && p.startsWith("0"));
  if (leading !== undefined) {
    return `"${quoted}" has the octet "${leading}" with a leading zero (read as octal by some tools, as decimal by others); write ${fixed(parts.map((p) => String(Number(p))).join("."))}`;
  }
  const big = parts.find((p) => Number(p) > 255);
  if (big !== undefined) return `"${quoted}" has the octet ${big}, above 255: each of the four octets is 0 to 255`;
  return undefined;
}

/** Why `ip` is not a strict dotted-quad IPv4 address; undefined when it is one. */
export function ipv4AddressProblem(ip: string): string | undefined {
  if (typeof ip !== "string") return "must be an IPv4 address such as 10.0.1.10";
  if (ipv4ToNumber(ip) !== undefined) return undefined;
  const problem = octetsProblem(ip, ip, (x) => x);
  return problem === undefined || problem === "malformed" ? `"${ip}" is not an IPv4 address: write four dot-separated numbers of 0 to 255, such as 10.0.1.10` : problem;
}

/** Allowed prefix lengths of a field, inclusive. */
export interface PrefixRange {
  readonly minBits?: number;
  readonly maxBits?: number;
}

/**
 * Why `cidr` is not a strict IPv4 CIDR whose prefix length lies in `range` and whose address is
 * the network address; undefined when it is one. The message says what is allowed and, for host
 * bits, which network address was probably meant.
 */
export function ipv4CidrProblem(cidr: string, range: PrefixRange = {}): string | undefined {
  const min = range.minBits ?? 0;
  const max = range.maxBits ?? 32;
  const allowed = `must be an IPv4 CIDR${min === 0 && max === 32 ? "" : ` from /${min} to /${max}`}, such as ${EXAMPLE_CIDR}`;
  if (typeof cidr !== "string") return allowed;
  const slash = cidr.indexOf("/");
  if (slash < 0) return `"${cidr}" has no prefix length: ${allowed}`;
  const ip = cidr.slice(0, slash);
  const len = cidr.slice(slash + 1);
  const octets = octetsProblem(ip, cidr, (x) => `${x}/${len}`);
  if (octets === "malformed") return `"${cidr}" is not four dot-separated numbers and a prefix length: ${allowed}`;
  if (octets) return octets;
  if (/^0\d+$/.test(len)) return `"${cidr}" has the prefix length "${len}" with a leading zero; write ${ip}/${Number(len)}`;
  if (!/^\d{1,2}$/.test(len) || Number(len) > 32) return `"${cidr}" has the prefix length "${len}", not a number from 0 to 32: ${allowed}`;
  const bits = Number(len);
  if (bits < min || bits > max) return `"${cidr}" has the prefix length /${bits}: ${allowed}`;
  const base = ipv4ToNumber(ip) as number;
  const network = (base & maskOf(bits)) >>> 0;
  if (network !== base) return `${cidr} has host bits set; the network address is ${numberToIpv4(network)}/${bits}`;
  return undefined;
}

/** `{ base, bits }` of a strict IPv4 CIDR whose address is the network address; undefined otherwise. */
export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  if (ipv4CidrProblem(cidr) !== undefined) return undefined;
  const [ip, len] = cidr.split("/");
  return { base: ipv4ToNumber(ip) as number, bits: Number(len) };
}

/** The 128-bit value of an IPv6 address (RFC 4291 text forms, an embedded IPv4 tail allowed), or undefined. */
export function ipv6ToBigInt(ip: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || ip.split("::").length > 2) return undefined;
  let text = ip;
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  if (tail.includes(".")) {
    const v4 = ipv4ToNumber(tail);
    if (v4 === undefined) return undefined;
    text = `${text.slice(0, lastColon + 1)}${(v4 >>> 16).toString(16)}:${(v4 & 0xffff).toString(16)}`;
  }
  const [head, rest] = text.split("::");
  const groups = (s: string | undefined) => (s === undefined || s === "" ? [] : s.split(":"));
  const h = groups(head);
  const r = groups(rest);
  if ([...h, ...r].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const missing = 8 - h.length - r.length;
  if (rest === undefined ? missing !== 0 : missing < 1) return undefined;
  const all = [...h, ...Array(rest === undefined ? 0 : missing).fill("0"), ...r];
  return all.reduce((acc, g) => (acc << 16n) + BigInt(parseInt(g, 16)), 0n);
}

function bigIntToIpv6(n: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  // The longest run of two or more zero groups becomes "::" (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.len && j - i >= 2) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best.at < 0) return hex.join(":");
  return `${hex.slice(0, best.at).join(":")}::${hex.slice(best.at + best.len).join(":")}`;
}

/** Why `cidr` is not a strict IPv6 CIDR (prefix 0-128, network address); undefined when it is one. */
export function ipv6CidrProblem(cidr: string): string | undefined {
  const allowed = "an IPv6 CIDR such as fd00:10::/64";
  const slash = cidr.indexOf("/");
  if (slash < 0) return `"${cidr}" has no prefix length: must be ${allowed}`;
  const value = ipv6ToBigInt(cidr.slice(0, slash));
  if (value === undefined) return `"${cidr}" is not an IPv6 address with a prefix length: must be ${allowed}`;
  const len = cidr.slice(slash + 1);
  if (!/^(12[0-8]|1[01]\d|[1-9]?\d)$/.test(len)) return `"${cidr}" has the prefix length "${len}": it is a number from 0 to 128; must be ${allowed}`;
  const bits = BigInt(len);
  const hostMask = (1n << (128n - bits)) - 1n;
  if ((value & hostMask) !== 0n) return `${cidr} has host bits set; the network address is ${bigIntToIpv6(value & ~hostMask & ((1n << 128n) - 1n))}/${len}`;
  return undefined;
}

/** An IPv4 CIDR is checked as IPv4, anything with a colon as IPv6. */
export function ipCidrProblem(cidr: string): string | undefined {
  if (typeof cidr !== "string") return "must be an IPv4 or IPv6 CIDR such as 10.0.1.0/24";
  return cidr.includes(":") ? ipv6CidrProblem(cidr) : ipv4CidrProblem(cidr);
}

/** Whether `ip` is a strict IPv4 address in 10/8, 172.16/12 or 192.168/16. */
export function isPrivateIpv4(ip: string): boolean {
  return ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((c) => cidrContains(c, ip));
}

function size(bits: number): number {
  return 2 ** (32 - bits);
}

/** Whether `ip` lies in `cidr`. */
export function cidrContains(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = ipv4ToNumber(ip);
  return c !== undefined && a !== undefined && a >= c.base && a < c.base + size(c.bits);
}

/** Whether `inner` lies wholly in `outer`. */
export function cidrWithin(outer: string, inner: string): boolean {
  const o = parseCidr(outer);
  const i = parseCidr(inner);
  return o !== undefined && i !== undefined && i.bits >= o.bits && i.base >= o.base && i.base + size(i.bits) <= o.base + size(o.bits);
}

/** Whether two CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = parseCidr(a);
  const y = parseCidr(b);
  return x !== undefined && y !== undefined && x.base < y.base + size(y.bits) && y.base < x.base + size(x.bits);
}

/**
 * Whether `ip` is an address EC2 lets an instance use in `cidr`: AWS reserves the first four
 * addresses and the last one of every subnet.
 */
export function usableInSubnet(cidr: string, ip: string): boolean {
  const c = parseCidr(cidr);
  const a = ipv4ToNumber(ip);
  return c !== undefined && a !== undefined && a >= c.base + 4 && a < c.base + size(c.bits) - 1;
}
