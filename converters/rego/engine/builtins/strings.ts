// String builtins (OPA v1/topdown/strings.go): concat, contains, startswith, endswith, format_int, indexof,
// indexof_n, substring, lower, upper, replace, strings.replace_n, split, strings.split_n, trim*, strings.count,
// strings.reverse, strings.any_prefix_match / any_suffix_match. Indices and lengths count code points, as Go's
// []rune does; case mapping is Go's per-rune simple mapping (no special casing, no final sigma).
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import {
  elementErr,
  elements,
  enumErr,
  fail,
  int,
  isArr,
  isSet,
  num,
  obj,
  operandErr,
  runes,
  str,
  stringSlice,
  typeErr,
} from "./util.js";

function concat(delim: string, v: Value): string {
  if (!isArr(v) && !isSet(v)) throw typeErr(2, v, "set", "array");
  return elements(v)
    .map((x) => {
      if (typeof x !== "string") throw elementErr(2, v, x, "string");
      return x;
    })
    .join(delim);
}

function formatInt(input: number, base: Value): string {
  const b = num(base, 2);
  if (b !== 2 && b !== 8 && b !== 10 && b !== 16) throw enumErr(2, "2", "8", "10", "16");
  return BigInt(Math.trunc(input)).toString(b);
}

function indexOfRunes(base: string[], search: string[], from: number): number {
  outer: for (let i = from; i + search.length <= base.length; i++) {
    for (let j = 0; j < search.length; j++) if (base[i + j] !== search[j]) continue outer;
    return i;
  }
  return -1;
}

function indexOf(s: string, search: string): number {
  if (search === "") throw fail("empty search character");
  return indexOfRunes(runes(s), runes(search), 0);
}

function indexOfN(s: string, search: string): number[] {
  if (search === "") throw fail("empty search character");
  const base = runes(s);
  const needle = runes(search);
  const out: number[] = [];
  for (let i = indexOfRunes(base, needle, 0); i >= 0; i = indexOfRunes(base, needle, i + 1)) out.push(i);
  return out;
}

function substring(s: string, start: number, length: number): string {
  if (start < 0) throw fail("negative offset");
  const rs = runes(s);
  if (start >= rs.length) return "";
  if (length < 0) return rs.slice(start).join("");
  return rs.slice(start, Math.min(rs.length, start + length)).join("");
}

// Go's unicode.ToLower/ToUpper are simple (one-to-one) mappings; JS applies SpecialCasing, which maps a few code
// points to several. Those keep Go's simple mapping here.
const UPPER_SIMPLE: Record<number, number> = { 0x1fb3: 0x1fbc, 0x1fc3: 0x1fcc, 0x1ff3: 0x1ffc };

function mapRune(ch: string, upper: boolean): string {
  const mapped = upper ? ch.toUpperCase() : ch.toLowerCase();
  if (mapped.length === ch.length || [...mapped].length === 1) return mapped;
  const cp = ch.codePointAt(0)!;
  if (!upper) return cp === 0x130 ? "i" : ch;
  if ((cp >= 0x1f80 && cp <= 0x1f87) || (cp >= 0x1f90 && cp <= 0x1f97) || (cp >= 0x1fa0 && cp <= 0x1fa7)) {
    return String.fromCodePoint(cp + 8);
  }
  const simple = UPPER_SIMPLE[cp];
  return simple === undefined ? ch : String.fromCodePoint(simple);
}

export function goLower(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return runes(s)
    .map((c) => mapRune(c, false))
    .join("");
}

export function goUpper(s: string): string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(s)) return s.toUpperCase();
  return runes(s)
    .map((c) => mapRune(c, true))
    .join("");
}

/** Go's strings.Split (an empty separator splits after each code point). */
export function goSplit(s: string, sep: string): string[] {
  if (sep === "") return runes(s);
  return s.split(sep);
}

function splitN(s: string, sep: string, n: number): string[] {
  const parts = s.includes(sep) ? goSplit(s, sep) : [s];
  if (n === 0) return [];
  if (n > 0) return parts.slice(0, n);
  return parts.slice(Math.max(0, parts.length + n));
}

/** Go's strings.Replacer semantics for (old, new) pairs: leftmost, non-overlapping, earlier pairs first; an empty
 *  old string matches at every code point boundary (but not twice in a row at one position). */
function replaceAll(s: string, pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 1 && pairs[0]![0] !== "") return s.split(pairs[0]![0]).join(pairs[0]![1]);
  let out = "";
  let i = 0;
  let prevEmpty = false;
  while (i <= s.length) {
    const hit = pairs.find(([old]) => (old === "" ? !prevEmpty : s.startsWith(old, i)));
    if (hit) {
      out += hit[1];
      i += hit[0].length;
      prevEmpty = hit[0] === "";
      continue;
    }
    prevEmpty = false;
    if (i === s.length) break;
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    out += ch;
    i += ch.length;
  }
  return out;
}

function replaceN(patterns: Value, s: Value): string {
  const o = obj(patterns, 1);
  const text = str(s, 2);
  const pairs: [string, string][] = [];
  for (const [k, v] of o.sortedEntries()) {
    if (typeof k !== "string") throw operandErr(1, "non-string key found in pattern object");
    if (typeof v !== "string") throw operandErr(1, "non-string value found in pattern object");
    pairs.push([k, v]);
  }
  if (pairs.length === 0) return text;
  return replaceAll(text, pairs);
}

function cutsetFn(cutset: string): (ch: string) => boolean {
  const set = new Set(runes(cutset));
  return (ch) => set.has(ch);
}

function trimLeftBy(s: string, drop: (ch: string) => boolean): string {
  const rs = runes(s);
  let i = 0;
  while (i < rs.length && drop(rs[i]!)) i++;
  return rs.slice(i).join("");
}

function trimRightBy(s: string, drop: (ch: string) => boolean): string {
  const rs = runes(s);
  let j = rs.length;
  while (j > 0 && drop(rs[j - 1]!)) j--;
  return rs.slice(0, j).join("");
}

/** Go's unicode.IsSpace. */
export function isGoSpace(ch: string): boolean {
  const cp = ch.codePointAt(0)!;
  if (cp <= 0xff) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d) || cp === 0x85 || cp === 0xa0;
  return (
    cp === 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000
  );
}

/** Go's strings.Count (an empty substring counts code points + 1). */
function countSubstr(s: string, sub: string): number {
  if (sub === "") return runes(s).length + 1;
  return s.split(sub).length - 1;
}

function stringsOrOne(v: Value, pos: number): string[] {
  if (typeof v === "string") return [v];
  if (isArr(v) || isSet(v)) return stringSlice(v, pos);
  throw typeErr(pos, v, "string", "set", "array");
}

function reverse(s: string): string {
  return runes(s).reverse().join("");
}

function anyPrefix(strs: string[], prefixes: string[]): boolean {
  return strs.some((s) => prefixes.some((p) => s.startsWith(p)));
}

function s2(f: (a: string, b: string) => Value): BuiltinDef[2] {
  return ([a, b]) => f(str(a!, 1), str(b!, 2));
}

export const STRINGS: BuiltinDef[] = [
  ["concat", 2, ([d, v]) => concat(str(d!, 1), v!)],
  ["contains", 2, s2((a, b) => a.includes(b))],
  ["startswith", 2, s2((a, b) => a.startsWith(b))],
  ["endswith", 2, s2((a, b) => a.endsWith(b))],
  ["format_int", 2, ([n, b]) => formatInt(num(n!, 1), b!)],
  ["indexof", 2, s2(indexOf)],
  ["indexof_n", 2, s2(indexOfN)],
  ["substring", 3, ([s, a, b]) => substring(str(s!, 1), int(a!, 2), int(b!, 3))],
  ["lower", 1, ([s]) => goLower(str(s!, 1))],
  ["upper", 1, ([s]) => goUpper(str(s!, 1))],
  ["split", 2, s2((a, b) => (a.includes(b) ? goSplit(a, b) : [a]))],
  ["strings.split_n", 3, ([s, d, n]) => splitN(str(s!, 1), str(d!, 2), int(n!, 3))],
  ["replace", 3, ([s, o, n]) => replaceAll(str(s!, 1), [[str(o!, 2), str(n!, 3)]])],
  ["strings.replace_n", 2, ([p, s]) => replaceN(p!, s!)],
  ["trim", 2, s2((a, b) => trimRightBy(trimLeftBy(a, cutsetFn(b)), cutsetFn(b)))],
  ["trim_left", 2, s2((a, b) => trimLeftBy(a, cutsetFn(b)))],
  ["trim_right", 2, s2((a, b) => trimRightBy(a, cutsetFn(b)))],
  ["trim_prefix", 2, s2((a, b) => (a.startsWith(b) ? a.slice(b.length) : a))],
  ["trim_suffix", 2, s2((a, b) => (b !== "" && a.endsWith(b) ? a.slice(0, a.length - b.length) : a))],
  ["trim_space", 1, ([s]) => trimRightBy(trimLeftBy(str(s!, 1), isGoSpace), isGoSpace)],
  ["strings.count", 2, s2(countSubstr)],
  ["strings.reverse", 1, ([s]) => reverse(str(s!, 1))],
  ["strings.any_prefix_match", 2, ([a, b]) => anyPrefix(stringsOrOne(a!, 1), stringsOrOne(b!, 2))],
  [
    "strings.any_suffix_match",
    2,
    ([a, b]) => anyPrefix(stringsOrOne(a!, 1).map(reverse), stringsOrOne(b!, 2).map(reverse)),
  ],
];
