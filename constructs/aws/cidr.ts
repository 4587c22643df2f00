/** IPv4 address and CIDR arithmetic for synth-time checks (never for tokens). */

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** The address as an unsigned 32-bit number, or undefined when it is not a dotted quad. */
export function ipv4ToNumber(ip: string): number | undefined {
  const m = IPV4.exec(ip);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
}

/** `{ base, bits }` of an IPv4 CIDR whose address is the network address; undefined otherwise. */
export function parseCidr(cidr: string): { base: number; bits: number } | undefined {
  const [ip, len] = cidr.split("/");
  const base = ipv4ToNumber(ip ?? "");
  const bits = Number(len);
  if (base === undefined || !/^\d{1,2}$/.test(len ?? "") || bits > 32) return undefined;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (base & mask) >>> 0 === base ? { base, bits } : undefined;
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
