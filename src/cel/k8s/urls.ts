// Kubernetes URL library (apiserver pkg/cel/library/urls.go, env 1.0): url(), isURL(), getScheme, getHost,
// getHostname, getPort, getEscapedPath, getQuery — over a port of Go net/url's Parse / ParseRequestURI,
// EscapedPath, Hostname/Port and ParseQuery, including their error texts.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, CelMap, Opaque, type MapKey, type Value } from "../values.js";
import { KT, TypeNames, asOpaque, asString, global, goQuote, member, typeIdent } from "./common.js";

export interface GoURL {
  scheme: string;
  opaque: string;
  user?: { username: string; password?: string };
  host: string;
  path: string;
  rawPath: string;
  omitHost: boolean;
  forceQuery: boolean;
  rawQuery: string;
  fragment: string;
  rawFragment: string;
}

type Mode = "path" | "pathSegment" | "host" | "zone" | "userPassword" | "queryComponent" | "fragment";

class URLError extends Error {}

const isAlnum = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39);

function shouldEscape(ch: string, mode: Mode): boolean {
  const c = ch.charCodeAt(0);
  if (isAlnum(c)) return false;
  if (mode === "host" || mode === "zone") {
    if ("!$&'()*+,;=:[]<>\"".includes(ch)) return false;
  }
  if ("-_.~".includes(ch)) return false;
  if ("$&+,/:;=?@".includes(ch)) {
    switch (mode) {
      case "pathSegment":
        return ch === "/" || ch === ";" || ch === "," || ch === "?";
      case "path":
        return ch === "?";
      case "userPassword":
        return ch === "@" || ch === "/" || ch === "?" || ch === ":";
      case "queryComponent":
        return true;
      case "fragment":
        return false;
      default:
        break;
    }
  }
  if (mode === "fragment") {
    if ("!()*".includes(ch)) return false;
  }
  return true;
}

const ishex = (c: string): boolean => /^[0-9a-fA-F]$/.test(c);

function utf8Bytes(s: string): number[] {
  return [...Buffer.from(s, "utf8")];
}

/** Go url.unescape over UTF-8 bytes. */
function unescape(s: string, mode: Mode): string {
  const b = utf8Bytes(s);
  let n = 0;
  let hasPlus = false;
  for (let i = 0; i < b.length; ) {
    const c = String.fromCharCode(b[i]!);
    if (c === "%") {
      n++;
      const a1 = i + 1 < b.length ? String.fromCharCode(b[i + 1]!) : "";
      const a2 = i + 2 < b.length ? String.fromCharCode(b[i + 2]!) : "";
      if (i + 2 >= b.length || !ishex(a1) || !ishex(a2)) {
        let bad = Buffer.from(b.slice(i)).toString("latin1");
        if (bad.length > 3) bad = bad.slice(0, 3);
        throw new URLError(`invalid URL escape ${goQuote(bad)}`);
      }
      if (mode === "host" && parseInt(a1 + a2, 16) < 0x80 && a1 + a2 !== "25") {
        throw new URLError(`invalid URL escape ${goQuote("%" + a1 + a2)}`);
      }
      i += 3;
    } else if (c === "+") {
      hasPlus = mode === "queryComponent";
      i++;
    } else {
      if ((mode === "host" || mode === "zone") && b[i]! < 0x80 && shouldEscape(c, mode)) {
        throw new URLError(`invalid character ${goQuote(c)} in host name`);
      }
      i++;
    }
  }
  if (n === 0 && !hasPlus) return s;
  const out: number[] = [];
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c === 0x25) {
      out.push(parseInt(String.fromCharCode(b[i + 1]!, b[i + 2]!), 16));
      i += 3;
    } else if (c === 0x2b) {
      out.push(mode === "queryComponent" ? 0x20 : 0x2b);
      i++;
    } else {
      out.push(c);
      i++;
    }
  }
  return Buffer.from(out).toString("utf8");
}

/** Go url.escape. */
function escape(s: string, mode: Mode): string {
  let out = "";
  for (const byte of utf8Bytes(s)) {
    const ch = String.fromCharCode(byte);
    if (byte < 0x80 && !shouldEscape(ch, mode)) out += ch;
    else if (ch === " " && mode === "queryComponent") out += "+";
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

function getScheme(raw: string): [string, string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if ((c >= "a" && c <= "z") || (c >= "A" && c <= "Z")) continue;
    if ((c >= "0" && c <= "9") || c === "+" || c === "-" || c === ".") {
      if (i === 0) return ["", raw];
      continue;
    }
    if (c === ":") {
      if (i === 0) throw new URLError("missing protocol scheme");
      return [raw.slice(0, i), raw.slice(i + 1)];
    }
    return ["", raw];
  }
  return ["", raw];
}

function validOptionalPort(port: string): boolean {
  if (port === "") return true;
  if (port[0] !== ":") return false;
  for (const c of port.slice(1)) if (c < "0" || c > "9") return false;
  return true;
}

function parseHost(host: string): string {
  if (host.startsWith("[")) {
    const i = host.lastIndexOf("]");
    if (i < 0) throw new URLError("missing ']' in host");
    const colonPort = host.slice(i + 1);
    if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    const zone = host.slice(0, i).indexOf("%25");
    if (zone >= 0) {
      const h1 = unescape(host.slice(0, zone), "host");
      const h2 = unescape(host.slice(zone, i), "zone");
      const h3 = unescape(host.slice(i), "host");
      return h1 + h2 + h3;
    }
  } else {
    const i = host.lastIndexOf(":");
    if (i !== -1) {
      const colonPort = host.slice(i);
      if (!validOptionalPort(colonPort)) throw new URLError(`invalid port ${goQuote(colonPort)} after host`);
    }
  }
  return unescape(host, "host");
}

function validUserinfo(s: string): boolean {
  for (const r of s) {
    if (isAlnum(r.charCodeAt(0))) continue;
    if ("-._:~!$&'()*+,;=%@".includes(r)) continue;
    return false;
  }
  return true;
}

function parseAuthority(authority: string): { user?: GoURL["user"]; host: string } {
  const i = authority.lastIndexOf("@");
  const host = parseHost(i < 0 ? authority : authority.slice(i + 1));
  if (i < 0) return { host };
  const userinfo = authority.slice(0, i);
  if (!validUserinfo(userinfo)) throw new URLError("net/url: invalid userinfo");
  const c = userinfo.indexOf(":");
  if (c < 0) return { host, user: { username: unescape(userinfo, "userPassword") } };
  return {
    host,
    user: { username: unescape(userinfo.slice(0, c), "userPassword"), password: unescape(userinfo.slice(c + 1), "userPassword") },
  };
}

function parse(raw: string, viaRequest: boolean): GoURL {
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new URLError("net/url: invalid control character in URL");
  if (raw === "" && viaRequest) throw new URLError("empty url");
  const u: GoURL = {
    scheme: "",
    opaque: "",
    host: "",
    path: "",
    rawPath: "",
    omitHost: false,
    forceQuery: false,
    rawQuery: "",
    fragment: "",
    rawFragment: "",
  };
  if (raw === "*") {
    u.path = "*";
    return u;
  }
  let [scheme, rest] = getScheme(raw);
  u.scheme = scheme.toLowerCase();
  if (rest.endsWith("?") && rest.split("?").length === 2) {
    u.forceQuery = true;
    rest = rest.slice(0, -1);
  } else {
    const q = rest.indexOf("?");
    if (q >= 0) {
      u.rawQuery = rest.slice(q + 1);
      rest = rest.slice(0, q);
    }
  }
  if (!rest.startsWith("/")) {
    if (u.scheme !== "") {
      u.opaque = rest;
      return u;
    }
    if (viaRequest) throw new URLError("invalid URI for request");
    const seg = rest.split("/")[0]!;
    if (seg.includes(":")) throw new URLError("first path segment in URL cannot contain colon");
  }
  if ((u.scheme !== "" || (!viaRequest && !rest.startsWith("///"))) && rest.startsWith("//")) {
    let authority = rest.slice(2);
    rest = "";
    const i = authority.indexOf("/");
    if (i >= 0) {
      rest = authority.slice(i);
      authority = authority.slice(0, i);
    }
    const a = parseAuthority(authority);
    if (a.user) u.user = a.user;
    u.host = a.host;
  } else if (u.scheme !== "" && rest.startsWith("/")) {
    u.omitHost = true;
  }
  const path = unescape(rest, "path");
  u.path = path;
  u.rawPath = escape(path, "path") === rest ? "" : rest;
  return u;
}

function wrap(op: string, url: string, f: () => GoURL): GoURL {
  try {
    return f();
  } catch (e) {
    if (e instanceof URLError) throw new URLError(`${op} ${goQuote(url)}: ${e.message}`);
    throw e;
  }
}

/** Go url.ParseRequestURI; throws Error with Go's `parse "<url>": <reason>` text. */
export function parseRequestURI(raw: string): GoURL {
  return wrap("parse", raw, () => parse(raw, true));
}

/** Go url.Parse (fragment split off first). */
export function parseURL(raw: string): GoURL {
  const h = raw.indexOf("#");
  const u = h < 0 ? raw : raw.slice(0, h);
  const url = wrap("parse", u, () => parse(u, false));
  if (h < 0) return url;
  const frag = raw.slice(h + 1);
  return wrap("parse", raw, () => {
    const f = unescape(frag, "fragment");
    url.fragment = f;
    url.rawFragment = escape(f, "fragment") === frag ? "" : frag;
    return url;
  });
}

function validEncoded(s: string, mode: Mode): boolean {
  for (const ch of s) {
    if ("!$&'()*+,;=:@[]".includes(ch)) continue;
    if (ch === "%") continue;
    if (ch.charCodeAt(0) >= 0x80 || shouldEscape(ch, mode)) return false;
  }
  return true;
}

export function escapedPath(u: GoURL): string {
  if (u.rawPath !== "" && validEncoded(u.rawPath, "path")) {
    try {
      if (unescape(u.rawPath, "path") === u.path) return u.rawPath;
    } catch {
      /* fall through */
    }
  }
  if (u.path === "*") return "*";
  return escape(u.path, "path");
}

function splitHostPort(hostPort: string): [string, string] {
  let host = hostPort;
  let port = "";
  const colon = host.lastIndexOf(":");
  if (colon !== -1 && validOptionalPort(host.slice(colon))) {
    port = host.slice(colon + 1);
    host = host.slice(0, colon);
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  return [host, port];
}

/** Go url.ParseQuery ignoring errors (as URL.Query() does): key → values in order. */
export function parseQuery(q: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  let query = q;
  while (query !== "") {
    let key: string;
    const amp = query.indexOf("&");
    if (amp >= 0) {
      key = query.slice(0, amp);
      query = query.slice(amp + 1);
    } else {
      key = query;
      query = "";
    }
    if (key.includes(";")) continue;
    if (key === "") continue;
    const eq = key.indexOf("=");
    let value = "";
    if (eq >= 0) {
      value = key.slice(eq + 1);
      key = key.slice(0, eq);
    }
    let k: string;
    let v: string;
    try {
      k = unescape(key, "queryComponent");
      v = unescape(value, "queryComponent");
    } catch {
      continue;
    }
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  }
  return m;
}

/** `kubernetes.URL` value (apiserver pkg/cel/url.go); equality is deep equality of the parsed URL. */
export class URLValue extends Opaque {
  readonly typeName = TypeNames.url;
  constructor(readonly url: GoURL) {
    super();
  }
  equals(other: Opaque): boolean {
    return other instanceof URLValue && JSON.stringify(this.url) === JSON.stringify(other.url);
  }
}

export function stringToURL(v: Value): Value {
  const s = asString(v);
  try {
    parseRequestURI(s);
    return new URLValue(parseURL(s));
  } catch (e) {
    if (e instanceof URLError) throw new CelError(`URL parse error during conversion from string: ${e.message}`);
    throw e;
  }
}

export function isURL(v: Value): Value {
  try {
    parseRequestURI(asString(v));
    return true;
  } catch (e) {
    if (e instanceof URLError) return false;
    throw e;
  }
}

const U = (v: Value): GoURL => asOpaque(v, URLValue).url;

export function getQuery(v: Value): Value {
  const entries: [MapKey, Value][] = [...parseQuery(U(v).rawQuery)].map(([k, vs]) => [k, vs]);
  return new CelMap(new Map(entries));
}

export const urlsLibrary: Library = {
  name: "kubernetes.urls",
  since: "1.0",
  idents: [typeIdent(TypeNames.url)],
  overloads: [
    global("string_to_url", "url", [T.string], KT.url, stringToURL),
    member("url_get_scheme", "getScheme", [KT.url], T.string, (u) => U(u).scheme),
    member("url_get_host", "getHost", [KT.url], T.string, (u) => U(u).host),
    member("url_get_hostname", "getHostname", [KT.url], T.string, (u) => splitHostPort(U(u).host)[0]),
    member("url_get_port", "getPort", [KT.url], T.string, (u) => splitHostPort(U(u).host)[1]),
    member("url_get_escaped_path", "getEscapedPath", [KT.url], T.string, (u) => escapedPath(U(u))),
    member("url_get_query", "getQuery", [KT.url], T.map(T.string, T.list(T.string)), getQuery),
    global("is_url_string", "isURL", [T.string], T.bool, isURL),
  ],
};
