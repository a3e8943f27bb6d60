// Kubernetes CIDR library (apiserver pkg/cel/library/cidr.go, env 1.30): cidr(), isCIDR(), containsIP (IP or
// string), containsCIDR (CIDR or string), ip(), masked(), prefixLength(), string(cidr); `net.CIDR` equality is
// prefix equality (address as written + bits, so an unmasked CIDR differs from its masked form).
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, Opaque, noSuchOverload, type Value } from "../values.js";
import { KT, TypeNames, asOpaque, asString, global, goQuote, member, typeIdent } from "./common.js";
import { IPValue, stringToIP } from "./ip.js";
import * as net from "./netip.js";

export class CIDRValue extends Opaque {
  readonly typeName = TypeNames.cidr;
  constructor(readonly prefix: net.Prefix) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof CIDRValue && net.prefixEqual(this.prefix, other.prefix);
  }
  override toString(): string {
    return net.prefixString(this.prefix);
  }
}

const PREFIX_ERR = "network address parse error during conversion from string: ";

/** parseCIDR of cidr.go (inner message); throws net.ParseError-like CelError texts. */
function parseCIDR(raw: string): net.Prefix {
  let p: net.Prefix;
  try {
    p = net.parsePrefix(raw);
  } catch (e) {
    if (e instanceof net.ParseError) throw new CelError(PREFIX_ERR + e.message);
    throw e;
  }
  if (net.is4In6(p.addr)) throw new CelError(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return p;
}

export function stringToCIDR(v: Value): Value {
  const s = asString(v);
  try {
    return new CIDRValue(parseCIDR(s));
  } catch (e) {
    if (e instanceof CelError && e.message !== "no such overload") throw new CelError(PREFIX_ERR + e.message);
    throw e;
  }
}

const P = (v: Value): net.Prefix => asOpaque(v, CIDRValue).prefix;

function containsIP(c: Value, ip: Value): Value {
  return net.prefixContains(P(c), asOpaque(ip, IPValue).addr);
}

function containsCIDR(c: Value, o: Value): Value {
  const p = P(c);
  const other = P(o);
  if (p.addr.bytes.length !== other.addr.bytes.length) return false;
  const equalMasked = net.prefixEqual(net.prefixMasked(p), net.prefixMasked({ addr: other.addr, bits: p.bits }));
  return equalMasked && p.bits <= other.bits;
}

function isCIDR(v: Value): Value {
  try {
    parseCIDR(asString(v));
    return true;
  } catch (e) {
    if (e instanceof CelError && e.message !== "no such overload") return false;
    throw e;
  }
}

export const cidrLibrary: Library = {
  name: "kubernetes.net.cidr",
  since: "1.30",
  idents: [typeIdent(TypeNames.cidr)],
  overloads: [
    global("string_to_cidr", "cidr", [T.string], KT.cidr, stringToCIDR),
    member("cidr_contains_ip_string", "containsIP", [KT.cidr, T.string], T.bool, (c, s) => {
      // cel-go: the parse error is swallowed by MaybeNoSuchOverloadErr(cidr) → "no such overload"
      let ip: Value;
      try {
        ip = stringToIP(s);
      } catch (e) {
        if (e instanceof CelError) throw noSuchOverload();
        throw e;
      }
      return containsIP(c, ip);
    }),
    member("cidr_contains_ip_ip", "containsIP", [KT.cidr, KT.ip], T.bool, containsIP),
    member("cidr_contains_cidr_string", "containsCIDR", [KT.cidr, T.string], T.bool, (c, s) => containsCIDR(c, stringToCIDR(s))),
    member("cidr_contains_cidr", "containsCIDR", [KT.cidr, KT.cidr], T.bool, containsCIDR),
    member("cidr_ip", "ip", [KT.cidr], KT.ip, (c) => new IPValue(P(c).addr)),
    member("cidr_prefix_length", "prefixLength", [KT.cidr], T.int, (c) => BigInt(P(c).bits)),
    member("cidr_masked", "masked", [KT.cidr], KT.cidr, (c) => new CIDRValue(net.prefixMasked(P(c)))),
    global("is_cidr", "isCIDR", [T.string], T.bool, isCIDR),
    global("cidr_to_string", "string", [KT.cidr], T.string, (c) => net.prefixString(P(c))),
  ],
};
