// Encoding builtins (OPA v1/topdown/encoding.go): json.marshal (Go's encoding/json: compact, keys sorted, HTML
// characters escaped), json.marshal_with_options, json.unmarshal / json.is_valid (Go's scanner messages),
// base64.*, base64url.*, hex.*, urlquery.* (Go's net/url), yaml.marshal / unmarshal / is_valid (YAML 1.1 as
// sigs.k8s.io/yaml over go-yaml v2 reads it). Decoded bytes become strings through UTF-8 (invalid bytes turn
// into U+FFFD, where Go keeps them raw: a known gap).
import YAML from "yaml";
import { fromJSON, RObject, RSet, type Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import {
  fail,
  goQuote,
  isArr,
  numberText,
  obj,
  operandErr,
  str,
  typeErr,
  utf8Bytes,
  utf8String,
} from "./util.js";

// ---- JSON out ------------------------------------------------------------------------------------------------------

function codePointCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const d = x.value.codePointAt(0)! - y.value.codePointAt(0)!;
    if (d !== 0) return d;
  }
}

/** Go's encoding/json string encoding (with HTML escaping, \b and \f, U+2028/2029 escaped). */
export function goJSONString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        continue;
      case "\\":
        out += "\\\\";
        continue;
      case "\n":
        out += "\\n";
        continue;
      case "\r":
        out += "\\r";
        continue;
      case "\t":
        out += "\\t";
        continue;
      case "\b":
        out += "\\b";
        continue;
      case "\f":
        out += "\\f";
        continue;
      case "<":
      case ">":
      case "&":
        out += "\\u00" + cp.toString(16);
        continue;
    }
    if (cp < 0x20) out += "\\u00" + cp.toString(16).padStart(2, "0");
    else if (cp === 0x2028 || cp === 0x2029) out += "\\u" + cp.toString(16);
    else if (cp >= 0xd800 && cp <= 0xdfff) out += "\\ufffd";
    else out += ch;
  }
  return out + '"';
}

/** ast.JSON then json.Marshal / json.MarshalIndent. */
export function goJSON(v: Value, indent?: { prefix: string; indent: string }, depth = 0): string {
  if (v === null) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return numberText(v);
    case "string":
      return goJSONString(v);
  }
  const nl = (d: number): string => (indent ? "\n" + indent.prefix + indent.indent.repeat(d) : "");
  const sep = indent ? ": " : ":";
  if (isArr(v) || v instanceof RSet) {
    const items = isArr(v) ? v : v.sorted();
    if (items.length === 0) return "[]";
    return "[" + items.map((x) => nl(depth + 1) + goJSON(x, indent, depth + 1)).join(",") + nl(depth) + "]";
  }
  const entries = new Map<string, Value>();
  for (const [k, x] of (v as RObject).sortedEntries()) entries.set(typeof k === "string" ? k : goJSON(k), x);
  if (entries.size === 0) return "{}";
  const keys = [...entries.keys()].sort(codePointCompare);
  return (
    "{" +
    keys.map((k) => nl(depth + 1) + goJSONString(k) + sep + goJSON(entries.get(k)!, indent, depth + 1)).join(",") +
    nl(depth) +
    "}"
  );
}

function marshalWithOptions(v: Value, opts: Value): string {
  const o = obj(opts, 2);
  let indent = "\t";
  let prefix = "";
  let implicit = false;
  let explicitSet = false;
  let pretty = false;
  for (const [k, val] of o.entries()) {
    if (typeof k !== "string") {
      throw operandErr(2, `failed to stringify key ${goJSON(k)} at index 0: operand 0 must be string but got ${typeName(k)}`);
    }
    switch (k) {
      case "prefix":
        if (typeof val !== "string") throw operandErr(2, `key ${goQuote(k)} failed cast to string: operand 0 must be string but got ${typeName(val)}`);
        prefix = val;
        implicit = true;
        break;
      case "indent":
        if (typeof val !== "string") throw operandErr(2, `key ${goQuote(k)} failed cast to string: operand 0 must be string but got ${typeName(val)}`);
        indent = val;
        implicit = true;
        break;
      case "pretty":
        explicitSet = true;
        if (typeof val !== "boolean") throw operandErr(2, `key ${goQuote(k)} failed cast to bool`);
        pretty = val;
        break;
      default:
        throw operandErr(2, `object contained unknown key ${goQuote(k)}`);
    }
  }
  if (!explicitSet) pretty = implicit;
  if (!pretty) return goJSON(v);
  return prefix + goJSON(v, { prefix, indent });
}

function typeName(v: Value): string {
  if (v === null) return "null";
  if (isArr(v)) return "array";
  if (v instanceof RSet) return "set";
  if (v instanceof RObject) return "object";
  return typeof v;
}

// ---- JSON in -------------------------------------------------------------------------------------------------------

class JSONSyntaxError extends Error {}

/** Go's quoteChar for scanner errors. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const q = goQuote(c);
  return "'" + q.slice(1, -1) + "'";
}

/** A strict JSON parser with Go's encoding/json error messages. */
export function parseGoJSON(text: string): unknown {
  let i = 0;
  const n = text.length;
  const eof = (): never => {
    throw new JSONSyntaxError("unexpected end of JSON input");
  };
  const bad = (context: string): never => {
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    throw new JSONSyntaxError(`invalid character ${quoteChar(ch)} ${context}`);
  };
  const ws = (): void => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const literal = (word: string, value: unknown): unknown => {
    for (let k = 0; k < word.length; k++) {
      if (i >= n) eof();
      if (text[i] !== word[k]) bad(`in literal ${word} (expecting ${quoteChar(word[k]!)})`);
      i++;
    }
    return value;
  };
  const number = (): number => {
    const start = i;
    if (text[i] === "-") {
      i++;
      if (i >= n) eof();
      if (!/[0-9]/.test(text[i]!)) bad("in numeric literal");
    }
    if (text[i] === "0") i++;
    else while (i < n && /[0-9]/.test(text[i]!)) i++;
    if (text[i] === ".") {
      i++;
      if (i >= n) eof();
      if (!/[0-9]/.test(text[i]!)) bad("after decimal point in numeric literal");
      while (i < n && /[0-9]/.test(text[i]!)) i++;
    }
    if (text[i] === "e" || text[i] === "E") {
      i++;
      if (text[i] === "+" || text[i] === "-") i++;
      if (i >= n) eof();
      if (!/[0-9]/.test(text[i]!)) bad("in exponent of numeric literal");
      while (i < n && /[0-9]/.test(text[i]!)) i++;
    }
    return Number(text.slice(start, i));
  };
  const string = (): string => {
    i++; // opening quote
    let out = "";
    for (;;) {
      if (i >= n) eof();
      const c = text[i]!;
      if (c === '"') {
        i++;
        return out;
      }
      if (c === "\\") {
        i++;
        if (i >= n) eof();
        const e = text[i]!;
        const simple: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e in simple) {
          out += simple[e];
          i++;
        } else if (e === "u") {
          i++;
          for (let k = 0; k < 4; k++) {
            if (i + k >= n) {
              i += k;
              eof();
            }
            if (!/[0-9a-fA-F]/.test(text[i + k]!)) {
              i += k;
              bad("in \\u hexadecimal character escape");
            }
          }
          out += String.fromCharCode(parseInt(text.slice(i, i + 4), 16));
          i += 4;
        } else bad("in string escape code");
        continue;
      }
      if (c.charCodeAt(0) < 0x20) bad("in string literal");
      out += c;
      i++;
    }
  };
  const value = (context: string): unknown => {
    ws();
    if (i >= n) eof();
    const c = text[i]!;
    if (c === "{") {
      i++;
      const out: Record<string, unknown> = {};
      ws();
      if (i >= n) eof();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (i >= n) eof();
        if (text[i] !== '"') bad("looking for beginning of object key string");
        const key = string();
        ws();
        if (i >= n) eof();
        if (text[i] !== ":") bad("after object key");
        i++;
        out[key] = value("looking for beginning of value");
        ws();
        if (i >= n) eof();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return out;
        }
        bad("after object key:value pair");
      }
    }
    if (c === "[") {
      i++;
      const out: unknown[] = [];
      ws();
      if (i >= n) eof();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value("looking for beginning of value"));
        ws();
        if (i >= n) eof();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return out;
        }
        bad("after array element");
      }
    }
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    if (c === "t") return literal("true", true);
    if (c === "f") return literal("false", false);
    if (c === "n") return literal("null", null);
    return bad(context);
  };
  const result = value("looking for beginning of value");
  ws();
  if (i < n) bad("after top-level value");
  return result;
}

function jsonUnmarshal(s: string): Value {
  try {
    return fromJSON(parseGoJSON(s));
  } catch (e) {
    if (e instanceof JSONSyntaxError) throw fail(e.message);
    throw e;
  }
}

function jsonIsValid(v: Value): boolean {
  if (typeof v !== "string") return false;
  try {
    parseGoJSON(v);
    return true;
  } catch {
    return false;
  }
}

// ---- base64 / hex --------------------------------------------------------------------------------------------------

const STD = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

function base64Encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += alphabet[b0 >> 2]!;
    out += alphabet[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)]!;
    if (b1 === undefined) out += pad ? "==" : "";
    else {
      out += alphabet[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)]!;
      out += b2 === undefined ? (pad ? "=" : "") : alphabet[b2 & 63]!;
    }
  }
  return out;
}

/** Go's base64 (padded) DecodeString: skips \r and \n; errors name the offending input byte. */
function base64Decode(s: string, alphabet: string): Uint8Array {
  const input = utf8Bytes(s);
  const out: number[] = [];
  let si = 0;
  const corrupt = (at: number): never => {
    throw fail(`illegal base64 data at input byte ${at}`);
  };
  const nextChar = (): number | undefined => {
    while (si < input.length && (input[si] === 0x0a || input[si] === 0x0d)) si++;
    return si < input.length ? input[si++] : undefined;
  };
  for (;;) {
    const quantum: number[] = [];
    let j = 0;
    let padded = false;
    for (; j < 4; j++) {
      const c = nextChar();
      if (c === undefined) {
        if (j === 0) return new Uint8Array(out);
        corrupt(si - j);
      }
      if (c === 0x3d) {
        // '=' padding: only in the last two places of a quantum
        if (j < 2) corrupt(si - 1);
        if (j === 2) {
          const c2 = nextChar();
          if (c2 === undefined) corrupt(input.length);
          if (c2 !== 0x3d) corrupt(si - 1);
        }
        while (si < input.length && (input[si] === 0x0a || input[si] === 0x0d)) si++;
        if (si < input.length) corrupt(si);
        padded = true;
        break;
      }
      const v = alphabet.indexOf(String.fromCharCode(c!));
      if (v < 0 || c! > 0x7f) corrupt(si - 1);
      quantum.push(v);
    }
    const [a, b, c, d] = quantum;
    if (quantum.length >= 2) out.push((a! << 2) | (b! >> 4));
    if (quantum.length >= 3) out.push(((b! & 15) << 4) | (c! >> 2));
    if (quantum.length === 4) out.push(((c! & 3) << 6) | d!);
    if (padded) return new Uint8Array(out);
  }
}

function base64UrlDecode(s: string): Uint8Array {
  let t = s;
  if (!t.endsWith("=")) {
    switch (utf8Bytes(t).length % 4) {
      case 0:
        break;
      case 2:
        t += "==";
        break;
      case 3:
        t += "=";
        break;
      default:
        throw fail(`illegal base64url string: ${s}`);
    }
  }
  return base64Decode(t, URL);
}

function base64IsValid(v: Value): boolean {
  if (typeof v !== "string") return false;
  try {
    base64Decode(v, STD);
    return true;
  } catch {
    return false;
  }
}

function hexEncode(s: string): string {
  return [...utf8Bytes(s)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function invalidByte(b: number): never {
  const hex = b.toString(16).toUpperCase().padStart(4, "0");
  throw fail(`encoding/hex: invalid byte: U+${hex} ${quoteChar(String.fromCharCode(b))}`);
}

function hexDecode(s: string): Uint8Array {
  const src = utf8Bytes(s);
  const val = (b: number): number => {
    if (b >= 0x30 && b <= 0x39) return b - 0x30;
    if (b >= 0x61 && b <= 0x66) return b - 0x57;
    if (b >= 0x41 && b <= 0x46) return b - 0x37;
    return -1;
  };
  const out: number[] = [];
  let j = 1;
  for (; j < src.length; j += 2) {
    const a = val(src[j - 1]!);
    const b = val(src[j]!);
    if (a < 0) invalidByte(src[j - 1]!);
    if (b < 0) invalidByte(src[j]!);
    out.push((a << 4) | b);
  }
  if (src.length % 2 === 1) {
    if (val(src[j - 1]!) < 0) invalidByte(src[j - 1]!);
    throw fail("encoding/hex: odd length hex string");
  }
  return new Uint8Array(out);
}

// ---- URL queries ---------------------------------------------------------------------------------------------------

/** Go's url.QueryEscape. */
export function queryEscape(s: string): string {
  let out = "";
  for (const b of utf8Bytes(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-_.~]/.test(c)) out += c;
    else if (c === " ") out += "+";
    else out += "%" + b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's url.QueryUnescape. */
export function queryUnescape(s: string): string {
  const bytes = utf8Bytes(s);
  const isHex = (b: number | undefined): boolean => b !== undefined && /[0-9a-fA-F]/.test(String.fromCharCode(b));
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x25) {
      if (i + 2 >= bytes.length || !isHex(bytes[i + 1]) || !isHex(bytes[i + 2])) {
        const rest = utf8String(bytes.slice(i, i + 3));
        throw fail(`invalid URL escape ${goQuote(rest)}`);
      }
      out.push(parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16));
      i += 2;
    } else if (b === 0x2b) out.push(0x20);
    else out.push(b);
  }
  return utf8String(new Uint8Array(out));
}

function encodeObject(v: Value): string {
  if (!(v instanceof RObject)) throw typeErr(1, v, "object");
  const query = new Map<string, string[]>();
  for (const [k, x] of v.sortedEntries()) {
    const key = typeof k === "string" ? k : goJSON(k);
    if (typeof x === "string") query.set(key, [x]);
    else if (isArr(x) || x instanceof RSet) {
      const items = isArr(x) ? x : x.sorted();
      const list = query.get(key) ?? [];
      for (const item of items) {
        if (typeof item !== "string") throw operandErr(1, "values must be string, array[string], or set[string]");
        list.push(item);
      }
      query.set(key, list);
    } else throw operandErr(1, "values must be string, array[string], or set[string]");
  }
  const keys = [...query.keys()].sort(codePointCompare);
  const parts: string[] = [];
  for (const k of keys) for (const val of query.get(k)!) parts.push(queryEscape(k) + "=" + queryEscape(val));
  return parts.join("&");
}

function decodeObject(s: string): RObject {
  const values = new Map<string, string[]>();
  let firstError: Error | undefined;
  for (const part of s.split("&")) {
    if (part === "") continue;
    if (part.includes(";")) {
      firstError ??= fail("invalid semicolon separator in query");
      continue;
    }
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = queryUnescape(rawKey);
      value = queryUnescape(rawValue);
    } catch (e) {
      firstError ??= e as Error;
      continue;
    }
    const list = values.get(key) ?? [];
    list.push(value);
    values.set(key, list);
  }
  if (firstError) throw firstError;
  return new RObject([...values].map(([k, list]) => [k, list] as const));
}

// ---- YAML ----------------------------------------------------------------------------------------------------------

/** go-yaml v2 reads YAML 1.1 but has no sexagesimal numbers and (for untyped targets) no timestamps. */
const yamlTags = (tags: YAML.Tags): YAML.Tags =>
  tags.filter((t) => {
    const tag = t as { tag?: string; format?: string };
    return tag.format !== "TIME" && tag.tag !== "tag:yaml.org,2002:timestamp";
  });

function yamlToJS(data: unknown): unknown {
  if (data instanceof Map) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of data) out[typeof k === "string" ? k : k === null ? "null" : String(k)] = yamlToJS(v);
    return out;
  }
  if (Array.isArray(data)) return data.map(yamlToJS);
  if (data instanceof Set) return [...data].map(yamlToJS);
  if (data instanceof Uint8Array) return utf8String(data);
  if (data !== null && typeof data === "object") {
    return Object.fromEntries(Object.entries(data as Record<string, unknown>).map(([k, v]) => [k, yamlToJS(v)]));
  }
  if (typeof data === "number" && !Number.isFinite(data)) throw new Error("json: unsupported value: " + String(data));
  return data;
}

/** go-yaml's wording for the common syntax errors (others keep the yaml package's text). */
function goYamlMessage(code: string, message: string): string {
  if (code === "MISSING_CHAR" && /sequence/i.test(message)) return "did not find expected ',' or ']'";
  if (code === "MISSING_CHAR" && /map/i.test(message)) return "did not find expected ',' or '}'";
  if (code === "MISSING_CHAR") return "did not find expected node content";
  if (/nested mappings|implicit key/i.test(message)) return "mapping values are not allowed in this context";
  return message;
}

function yamlParse(s: string): unknown {
  const docs = YAML.parseAllDocuments(s, { version: "1.1", customTags: yamlTags, uniqueKeys: false });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line ?? 1;
      const detail = goYamlMessage(err.code, err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, ""));
      throw fail(`yaml: line ${line}: ${detail}`);
    }
  }
  if (list.length === 0) return null;
  return yamlToJS(list[0]!.toJS({ mapAsMap: true }));
}

function yamlMarshal(v: Value): string {
  const data = JSON.parse(goJSON(v));
  const out = YAML.stringify(data, { version: "1.1", indentSeq: false, sortMapEntries: true });
  return out;
}

export const ENCODING: BuiltinDef[] = [
  ["json.marshal", 1, ([v]) => goJSON(v!)],
  ["json.marshal_with_options", 2, ([v, o]) => marshalWithOptions(v!, o!)],
  ["json.unmarshal", 1, ([s]) => jsonUnmarshal(str(s!, 1))],
  ["json.is_valid", 1, ([s]) => jsonIsValid(s!)],
  ["base64.encode", 1, ([s]) => base64Encode(utf8Bytes(str(s!, 1)), STD, true)],
  ["base64.decode", 1, ([s]) => utf8String(base64Decode(str(s!, 1), STD))],
  ["base64.is_valid", 1, ([s]) => base64IsValid(s!)],
  ["base64url.encode", 1, ([s]) => base64Encode(utf8Bytes(str(s!, 1)), URL, true)],
  ["base64url.encode_no_pad", 1, ([s]) => base64Encode(utf8Bytes(str(s!, 1)), URL, false)],
  ["base64url.decode", 1, ([s]) => utf8String(base64UrlDecode(str(s!, 1)))],
  ["hex.encode", 1, ([s]) => hexEncode(str(s!, 1))],
  ["hex.decode", 1, ([s]) => utf8String(hexDecode(str(s!, 1)))],
  ["urlquery.encode", 1, ([s]) => queryEscape(str(s!, 1))],
  ["urlquery.decode", 1, ([s]) => queryUnescape(str(s!, 1))],
  ["urlquery.encode_object", 1, ([o]) => encodeObject(o!)],
  ["urlquery.decode_object", 1, ([s]) => decodeObject(str(s!, 1))],
  ["yaml.marshal", 1, ([v]) => yamlMarshal(v!)],
  ["yaml.unmarshal", 1, ([s]) => fromJSON(yamlParse(str(s!, 1)))],
  [
    "yaml.is_valid",
    1,
    ([s]) => {
      if (typeof s !== "string") return false;
      try {
        yamlParse(s);
        return true;
      } catch {
        return false;
      }
    },
  ],
];
