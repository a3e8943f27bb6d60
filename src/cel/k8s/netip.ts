// A port of Go's net/netip address and prefix parsing/formatting used by the IP and CIDR libraries:
// ParseAddr / ParsePrefix with their exact error texts, Addr.String (RFC 5952), classification predicates,
// Prefix.Masked / Contains.
import { goQuote } from "./common.js";

/** A parsed address: 4 or 16 bytes; zone kept only to reject it. */
export interface Addr {
  bytes: Uint8Array;
  zone: string;
}

export class ParseError extends Error {}

function addrError(input: string, msg: string, at?: string): ParseError {
  return new ParseError(`ParseAddr(${goQuote(input)}): ${msg}${at ? ` (at ${goQuote(at)})` : ""}`);
}

function parseIPv4Fields(input: string, off: number, end: number, fields: Uint8Array, fo: number): void {
  let val = 0;
  let pos = 0;
  let digLen = 0;
  const s = input.slice(off, end);
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c >= "0" && c <= "9") {
      if (digLen === 1 && val === 0) throw addrError(input, "IPv4 field has octet with leading zero");
      val = val * 10 + (c.charCodeAt(0) - 48);
      digLen++;
      if (val > 255) throw addrError(input, "IPv4 field has value >255");
    } else if (c === ".") {
      if (i === 0 || i === s.length - 1 || s[i - 1] === ".") {
        throw addrError(input, "IPv4 field must have at least one digit", s.slice(i));
      }
      if (pos === 3) throw addrError(input, "IPv4 address too long");
      fields[fo + pos] = val;
      pos++;
      val = 0;
      digLen = 0;
    } else {
      throw addrError(input, "unexpected character", s.slice(i));
    }
  }
  if (pos < 3) throw addrError(input, "IPv4 address too short");
  fields[fo + 3] = val;
}

function parseIPv6(input: string): Addr {
  let s = input;
  let zone = "";
  const pct = s.indexOf("%");
  if (pct !== -1) {
    zone = s.slice(pct + 1);
    s = s.slice(0, pct);
    if (zone === "") throw addrError(input, "zone must be a non-empty string");
  }
  const ip = new Uint8Array(16);
  let ellipsis = -1;
  if (s.length >= 2 && s[0] === ":" && s[1] === ":") {
    ellipsis = 0;
    s = s.slice(2);
    if (s.length === 0) return { bytes: ip, zone };
  }
  let i = 0;
  while (i < 16) {
    let off = 0;
    let acc = 0;
    for (; off < s.length; off++) {
      const c = s.charCodeAt(off);
      if (c >= 48 && c <= 57) acc = acc * 16 + (c - 48);
      else if (c >= 97 && c <= 102) acc = acc * 16 + (c - 97 + 10);
      else if (c >= 65 && c <= 70) acc = acc * 16 + (c - 65 + 10);
      else break;
      if (off > 3) throw addrError(input, "each group must have 4 or less digits", s);
      if (acc > 0xffff) throw addrError(input, "IPv6 field has value >=2^16", s);
    }
    if (off === 0) throw addrError(input, "each colon-separated field must have at least one digit", s);
    if (off < s.length && s[off] === ".") {
      if (ellipsis < 0 && i !== 12) throw addrError(input, "embedded IPv4 address must replace the final 2 fields of the address", s);
      if (i + 4 > 16) throw addrError(input, "too many hex fields to fit an embedded IPv4 at the end of the address", s);
      let end = input.length;
      if (zone.length > 0) end -= zone.length + 1;
      parseIPv4Fields(input, end - s.length, end, ip, i);
      s = "";
      i += 4;
      break;
    }
    ip[i] = acc >> 8;
    ip[i + 1] = acc & 0xff;
    i += 2;
    s = s.slice(off);
    if (s.length === 0) break;
    if (s[0] !== ":") throw addrError(input, "unexpected character, want colon", s);
    else if (s.length === 1) throw addrError(input, "colon must be followed by more characters", s);
    s = s.slice(1);
    if (s[0] === ":") {
      if (ellipsis >= 0) throw addrError(input, "multiple :: in address", s);
      ellipsis = i;
      s = s.slice(1);
      if (s.length === 0) break;
    }
  }
  if (s.length !== 0) throw addrError(input, "trailing garbage after address", s);
  if (i < 16) {
    if (ellipsis < 0) throw addrError(input, "address string too short");
    const n = 16 - i;
    for (let j = i - 1; j >= ellipsis; j--) ip[j + n] = ip[j]!;
    ip.fill(0, ellipsis, ellipsis + n);
  } else if (ellipsis >= 0) {
    throw addrError(input, "the :: must expand to at least one field of zeros", s);
  }
  return { bytes: ip, zone };
}

/** Go netip.ParseAddr. */
export function parseAddr(s: string): Addr {
  for (let i = 0; i < s.length; i++) {
    switch (s[i]) {
      case ".": {
        const b = new Uint8Array(4);
        parseIPv4Fields(s, 0, s.length, b, 0);
        return { bytes: b, zone: "" };
      }
      case ":":
        return parseIPv6(s);
      case "%":
        throw addrError(s, "missing IPv6 address");
    }
  }
  throw addrError(s, "unable to parse IP");
}

export const is4 = (a: Addr): boolean => a.bytes.length === 4;
export const is6 = (a: Addr): boolean => a.bytes.length === 16;

export function is4In6(a: Addr): boolean {
  if (!is6(a)) return false;
  for (let i = 0; i < 10; i++) if (a.bytes[i] !== 0) return false;
  return a.bytes[10] === 0xff && a.bytes[11] === 0xff;
}

function unmap(a: Addr): Addr {
  return is4In6(a) ? { bytes: a.bytes.slice(12), zone: "" } : a;
}

/** Addr.String (RFC 5952 for IPv6; IPv4-mapped as ::ffff:a.b.c.d). */
export function addrString(a: Addr): string {
  const b = a.bytes;
  if (is4(a)) return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  let out: string;
  if (is4In6(a)) out = `::ffff:${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  else {
    const groups: number[] = [];
    for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
    let zb = 255;
    let ze = 255;
    for (let i = 0; i < 8; i++) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      const l = j - i;
      if (l >= 2 && l > ze - zb) {
        zb = i;
        ze = j;
      }
    }
    out = "";
    for (let i = 0; i < 8; i++) {
      if (i === zb) {
        out += "::";
        i = ze;
        if (i >= 8) break;
      } else if (i > 0) out += ":";
      out += groups[i]!.toString(16);
    }
  }
  return a.zone ? `${out}%${a.zone}` : out;
}

export function addrEqual(a: Addr, b: Addr): boolean {
  if (a.bytes.length !== b.bytes.length || a.zone !== b.zone) return false;
  for (let i = 0; i < a.bytes.length; i++) if (a.bytes[i] !== b.bytes[i]) return false;
  return true;
}

const allZero = (b: Uint8Array): boolean => b.every((x) => x === 0);

export function isUnspecified(a: Addr): boolean {
  return allZero(a.bytes);
}

export function isLoopback(a0: Addr): boolean {
  const a = unmap(a0);
  if (is4(a)) return a.bytes[0] === 127;
  return allZero(a.bytes.subarray(0, 15)) && a.bytes[15] === 1;
}

export function isMulticast(a0: Addr): boolean {
  const a = unmap(a0);
  if (is4(a)) return (a.bytes[0]! & 0xf0) === 0xe0;
  return a.bytes[0] === 0xff;
}

export function isLinkLocalMulticast(a0: Addr): boolean {
  const a = unmap(a0);
  if (is4(a)) return a.bytes[0] === 224 && a.bytes[1] === 0 && a.bytes[2] === 0;
  return a.bytes[0] === 0xff && (a.bytes[1]! & 0x0f) === 0x02;
}

export function isLinkLocalUnicast(a0: Addr): boolean {
  const a = unmap(a0);
  if (is4(a)) return a.bytes[0] === 169 && a.bytes[1] === 254;
  return a.bytes[0] === 0xfe && (a.bytes[1]! & 0xc0) === 0x80;
}

export function isGlobalUnicast(a0: Addr): boolean {
  const a = unmap(a0);
  if (is4(a) && (isUnspecified(a) || a.bytes.every((x) => x === 255))) return false;
  if (is6(a) && isUnspecified(a)) return false;
  return !isLoopback(a) && !isMulticast(a) && !isLinkLocalUnicast(a);
}

export interface Prefix {
  addr: Addr;
  bits: number;
}

/** Go netip.ParsePrefix. */
export function parsePrefix(s: string): Prefix {
  const err = (msg: string): ParseError => new ParseError(`netip.ParsePrefix(${goQuote(s)}): ${msg}`);
  const i = s.lastIndexOf("/");
  if (i < 0) throw err("no '/'");
  let addr: Addr;
  try {
    addr = parseAddr(s.slice(0, i));
  } catch (e) {
    if (e instanceof ParseError) throw err(e.message);
    throw e;
  }
  if (is6(addr) && addr.zone !== "") throw err("IPv6 zones cannot be present in a prefix");
  const bitsStr = s.slice(i + 1);
  if (bitsStr.length > 1 && (bitsStr[0]! < "1" || bitsStr[0]! > "9")) throw err(`bad bits after slash: ${goQuote(bitsStr)}`);
  if (!/^[+-]?[0-9]+$/.test(bitsStr) || bitsStr.length > 18) throw err(`bad bits after slash: ${goQuote(bitsStr)}`);
  const bits = Number(bitsStr);
  const maxBits = is6(addr) ? 128 : 32;
  if (bits < 0 || bits > maxBits) throw err("prefix length out of range");
  return { addr, bits };
}

export function maskAddr(a: Addr, bits: number): Addr {
  const b = a.bytes.slice();
  for (let i = 0; i < b.length; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    b[i] = b[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return { bytes: b, zone: "" };
}

export function prefixMasked(p: Prefix): Prefix {
  return { addr: maskAddr(p.addr, p.bits), bits: p.bits };
}

export function prefixEqual(a: Prefix, b: Prefix): boolean {
  return a.bits === b.bits && addrEqual(a.addr, b.addr);
}

export function prefixString(p: Prefix): string {
  return `${addrString(p.addr)}/${p.bits}`;
}

/** Prefix.Contains: same family, no zone, equal under the mask. */
export function prefixContains(p: Prefix, ip: Addr): boolean {
  if (ip.zone !== "" || p.addr.bytes.length !== ip.bytes.length) return false;
  return addrEqual(maskAddr(p.addr, p.bits), maskAddr(ip, p.bits));
}
