// Kubernetes IP library (apiserver pkg/cel/library/ip.go, env 1.30): ip(), isIP(), ip.isCanonical(), family(),
// isUnspecified, isLoopback, isLinkLocalMulticast, isLinkLocalUnicast, isGlobalUnicast, string(ip); `net.IP`
// equality is address equality. Zones and IPv4-mapped IPv6 addresses are rejected as in parseIPAddr.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, Opaque, type Value } from "../values.js";
import { KT, TypeNames, asOpaque, asString, global, goQuote, member, typeIdent } from "./common.js";
import * as net from "./netip.js";

export class IPValue extends Opaque {
  readonly typeName = TypeNames.ip;
  constructor(readonly addr: net.Addr) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof IPValue && net.addrEqual(this.addr, other.addr);
  }
  override toString(): string {
    return net.addrString(this.addr);
  }
}

/** parseIPAddr of ip.go: error texts are the CEL error messages. */
export function parseIPAddr(raw: string): net.Addr {
  let addr: net.Addr;
  try {
    addr = net.parseAddr(raw);
  } catch (e) {
    if (e instanceof net.ParseError) throw new CelError(`IP Address ${goQuote(raw)} parse error during conversion from string: ${e.message}`);
    throw e;
  }
  if (addr.zone !== "") throw new CelError(`IP address ${goQuote(raw)} with zone value is not allowed`);
  if (net.is4In6(addr)) throw new CelError(`IPv4-mapped IPv6 address ${goQuote(raw)} is not allowed`);
  return addr;
}

export const stringToIP = (v: Value): Value => new IPValue(parseIPAddr(asString(v)));

function isIP(v: Value): Value {
  try {
    parseIPAddr(asString(v));
    return true;
  } catch (e) {
    if (e instanceof CelError && e.message !== "no such overload") return false;
    throw e;
  }
}

const A = (v: Value): net.Addr => asOpaque(v, IPValue).addr;

export const ipLibrary: Library = {
  name: "kubernetes.net.ip",
  since: "1.30",
  idents: [typeIdent(TypeNames.ip)],
  overloads: [
    global("string_to_ip", "ip", [T.string], KT.ip, stringToIP),
    member("ip_family", "family", [KT.ip], T.int, (v) => (net.is4(A(v)) ? 4n : 6n)),
    global("ip_is_canonical", "ip.isCanonical", [T.string], T.bool, (v) => {
      const s = asString(v);
      return net.addrString(parseIPAddr(s)) === s;
    }),
    member("ip_is_unspecified", "isUnspecified", [KT.ip], T.bool, (v) => net.isUnspecified(A(v))),
    member("ip_is_loopback", "isLoopback", [KT.ip], T.bool, (v) => net.isLoopback(A(v))),
    member("ip_is_link_local_multicast", "isLinkLocalMulticast", [KT.ip], T.bool, (v) => net.isLinkLocalMulticast(A(v))),
    member("ip_is_link_local_unicast", "isLinkLocalUnicast", [KT.ip], T.bool, (v) => net.isLinkLocalUnicast(A(v))),
    member("ip_is_global_unicast", "isGlobalUnicast", [KT.ip], T.bool, (v) => net.isGlobalUnicast(A(v))),
    global("is_ip", "isIP", [T.string], T.bool, isIP),
    global("ip_to_string", "string", [KT.ip], T.string, (v) => net.addrString(A(v))),
  ],
};
