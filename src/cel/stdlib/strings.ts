// cel-go ext.Strings as Kubernetes configures it: version 0 functions (charAt, indexOf, lastIndexOf, lowerAscii,
// upperAscii, replace, split, substring, trim) from env 1.0, and the version 2 additions (format, strings.quote,
// join) from env 1.29. All indices count Unicode code points, as cel-go does.
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { CelError, type Value } from "../values.js";
import { fn, method } from "./decl.js";
import { celQuote, formatString } from "./format.js";
import { intOf } from "./ops.js";

const s = (v: Value): string => v as string;
const n = (v: Value): number => {
  const b = v as bigint;
  return b > 2n ** 53n ? Number.MAX_SAFE_INTEGER : b < -(2n ** 53n) ? Number.MIN_SAFE_INTEGER : Number(b);
};
const cps = (str: string): string[] => Array.from(str);
/** Without surrogates, UTF-16 indices are code point indices and the native searches answer directly. */
const SURROGATE = /[\uD800-\uDFFF]/;

function indexOfCp(str: string, sub: string, offset: bigint | undefined): bigint {
  if (!SURROGATE.test(str)) {
    const off = offset === undefined ? 0 : n(offset);
    if (off < 0 || off > str.length) throw new CelError(`index out of range: ${offset}`);
    return intOf(str.indexOf(sub, off));
  }
  const runes = cps(str);
  const subRunes = cps(sub);
  const off = offset === undefined ? 0 : n(offset);
  if (offset !== undefined && (off < 0 || off > runes.length)) throw new CelError(`index out of range: ${offset}`);
  if (subRunes.length === 0) return BigInt(off);
  for (let i = off; i + subRunes.length <= runes.length; i++) {
    let ok = true;
    for (let j = 0; j < subRunes.length; j++) if (runes[i + j] !== subRunes[j]) { ok = false; break; }
    if (ok) return BigInt(i);
  }
  return -1n;
}

function lastIndexOfCp(str: string, sub: string, offset: bigint | undefined): bigint {
  if (!SURROGATE.test(str)) {
    const off = offset === undefined ? str.length : n(offset);
    if (off < 0 || off > str.length) throw new CelError(`index out of range: ${offset}`);
    return intOf(sub === "" ? off : str.lastIndexOf(sub, off));
  }
  const runes = cps(str);
  const subRunes = cps(sub);
  let off = offset === undefined ? runes.length : n(offset);
  if (offset !== undefined && (off < 0 || off > runes.length)) throw new CelError(`index out of range: ${offset}`);
  if (subRunes.length === 0) return BigInt(off);
  if (off + subRunes.length > runes.length) off = runes.length - subRunes.length;
  for (let i = off; i >= 0; i--) {
    let ok = true;
    for (let j = 0; j < subRunes.length; j++) if (runes[i + j] !== subRunes[j]) { ok = false; break; }
    if (ok) return BigInt(i);
  }
  return -1n;
}

/** Go strings.Replace(str, old, new, limit) (limit < 0: all). */
export function goReplace(str: string, old: string, rep: string, limit: number): string {
  if (limit === 0 || old === rep) return str;
  if (old === "") {
    const runes = cps(str);
    let out = "";
    let count = 0;
    for (let i = 0; i <= runes.length; i++) {
      if (limit < 0 || count < limit) {
        out += rep;
        count++;
      }
      if (i < runes.length) out += runes[i];
    }
    return out;
  }
  let out = "";
  let pos = 0;
  let count = 0;
  while (limit < 0 || count < limit) {
    const at = str.indexOf(old, pos);
    if (at < 0) break;
    out += str.slice(pos, at) + rep;
    pos = at + old.length;
    count++;
  }
  return out + str.slice(pos);
}

/** Go strings.SplitN(str, sep, limit) (limit < 0: all). */
export function goSplit(str: string, sep: string, limit: number): string[] {
  if (limit === 0) return [];
  if (sep === "") {
    const runes = cps(str);
    if (limit < 0 || limit >= runes.length) return runes;
    return [...runes.slice(0, limit - 1), runes.slice(limit - 1).join("")];
  }
  const out: string[] = [];
  let pos = 0;
  while (limit < 0 || out.length < limit - 1) {
    const at = str.indexOf(sep, pos);
    if (at < 0) break;
    out.push(str.slice(pos, at));
    pos = at + sep.length;
  }
  out.push(str.slice(pos));
  return out;
}

/** Go unicode.IsSpace. */
const SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;

function substring(str: string, start: bigint, end?: bigint): string {
  const runes = cps(str);
  const len = BigInt(runes.length);
  if (start < 0n || start > len) throw new CelError(`index out of range: ${start}`);
  if (end === undefined) return runes.slice(Number(start)).join("");
  if (end < 0n || end > len) throw new CelError(`index out of range: ${end}`);
  if (start > end) throw new CelError(`invalid substring range. start: ${start}, end: ${end}`);
  return runes.slice(Number(start), Number(end)).join("");
}

function join(list: Value, sep: string): string {
  const l = list as readonly Value[];
  for (const x of l) if (typeof x !== "string") throw new CelError(`no such overload: join(list(${typeof x}))`);
  return (l as readonly string[]).join(sep);
}

function asciiMap(str: string, lower: boolean): string {
  const from = lower ? 65 : 97; // 'A' or 'a'
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    if (c >= from && c < from + 26) return str.replace(lower ? /[A-Z]+/g : /[a-z]+/g, (m) => (lower ? m.toLowerCase() : m.toUpperCase()));
  }
  return str; // nothing to map
}

export const stringsLibrary: Library = {
  name: "cel.ext.strings",
  since: "1.0",
  overloads: [
    method("string_char_at_int", "charAt", [T.string, T.int], T.string, (a, i) => {
      const runes = cps(s(a));
      const idx = i as bigint;
      if (idx < 0n || idx > BigInt(runes.length)) throw new CelError(`index out of range: ${idx}`);
      return runes[Number(idx)] ?? "";
    }),
    method("string_index_of_string", "indexOf", [T.string, T.string], T.int, (a, b) => indexOfCp(s(a), s(b), undefined)),
    method("string_index_of_string_int", "indexOf", [T.string, T.string, T.int], T.int, (a, b, o) =>
      indexOfCp(s(a), s(b), o as bigint),
    ),
    method("string_last_index_of_string", "lastIndexOf", [T.string, T.string], T.int, (a, b) =>
      lastIndexOfCp(s(a), s(b), undefined),
    ),
    method("string_last_index_of_string_int", "lastIndexOf", [T.string, T.string, T.int], T.int, (a, b, o) =>
      lastIndexOfCp(s(a), s(b), o as bigint),
    ),
    method("string_lower_ascii", "lowerAscii", [T.string], T.string, (a) => asciiMap(s(a), true)),
    method("string_upper_ascii", "upperAscii", [T.string], T.string, (a) => asciiMap(s(a), false)),
    method("string_replace_string_string", "replace", [T.string, T.string, T.string], T.string, (a, o, r) =>
      goReplace(s(a), s(o), s(r), -1),
    ),
    method("string_replace_string_string_int", "replace", [T.string, T.string, T.string, T.int], T.string, (a, o, r, k) =>
      goReplace(s(a), s(o), s(r), n(k)),
    ),
    method("string_split_string", "split", [T.string, T.string], T.list(T.string), (a, b) => goSplit(s(a), s(b), -1)),
    method("string_split_string_int", "split", [T.string, T.string, T.int], T.list(T.string), (a, b, k) =>
      goSplit(s(a), s(b), n(k)),
    ),
    method("string_substring_int", "substring", [T.string, T.int], T.string, (a, b) => substring(s(a), b as bigint)),
    method("string_substring_int_int", "substring", [T.string, T.int, T.int], T.string, (a, b, c) =>
      substring(s(a), b as bigint, c as bigint),
    ),
    method("string_trim", "trim", [T.string], T.string, (a) => s(a).replace(SPACE, "")),
    // version 1 and 2 (Kubernetes env 1.29)
    method("string_format", "format", [T.string, T.list(T.dyn)], T.string, (f, l) => formatString(s(f), l as readonly Value[]), "1.29"),
    fn("strings_quote", "strings.quote", [T.string], T.string, (a) => celQuote(s(a)), "1.29"),
    method("list_join", "join", [T.list(T.string)], T.string, (l) => join(l, ""), "1.29"),
    method("list_join_string", "join", [T.list(T.string), T.string], T.string, (l, sep) => join(l, s(sep)), "1.29"),
  ],
};
