// Kubernetes regex library (apiserver pkg/cel/library/regex.go, env 1.0): `s.find(re)`, `s.findAll(re[, n])` with
// RE2 semantics via @bufbuild/re2 (compiled patterns cached), reproducing Go's FindString / FindAllString
// (including its empty-match rules). Offsets come from a linear-time Pike VM over RE2's program, or from a JS
// RegExp where regex-safe.ts proves it equivalent and free of super-linear backtracking. `translateRE2` (a broad
// RE2 → JS translation, no such guarantee) is kept for other engines' replacement functions.
import { RE2JS } from "@bufbuild/re2";
import type { Library } from "../registry.js";
import { T } from "../types.js";
import { pikeFind } from "../stdlib/re2-pike.js";
import { safeRegExp } from "../stdlib/regex-safe.js";
import { CelError, type Value } from "../values.js";
import { asInt, asString, member } from "./common.js";

type Engine = ReturnType<RE2JS["re2"]>;

/**
 * A compiled pattern: RE2 (validation, and match offsets through a linear-time Pike VM) plus, when regex-safe.ts
 * proves one exists, an equivalent JS RegExp (flags `gu`) that cannot backtrack super-linearly.
 */
export interface Compiled {
  re2: Engine;
  js: RegExp | undefined;
}

const cache = new Map<string, Compiled | CelError>();

const ALNUM = /[0-9A-Za-z]/;
const JS_SYNTAX = "^$\\.*+?()[]{}|/";
const POSIX: Record<string, string> = {
  alnum: "0-9A-Za-z",
  alpha: "A-Za-z",
  ascii: "\\x00-\\x7F",
  blank: "\\t ",
  cntrl: "\\x00-\\x1F\\x7F",
  digit: "0-9",
  graph: "!-~",
  lower: "a-z",
  print: " -~",
  punct: "!-\\/:-@\\[-`{-~",
  space: "\\t\\n\\v\\f\\r ",
  upper: "A-Z",
  word: "0-9A-Za-z_",
  xdigit: "0-9A-Fa-f",
};
const GENERAL_CATEGORIES = new Set(
  "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs".split(" "),
);

const lit = (c: string, inClass = false): string =>
  c === "-" ? (inClass ? "\\-" : "-") : (JS_SYNTAX.includes(c) ? `\\${c}` : ALNUM.test(c) ? c : `\\u{${c.codePointAt(0)!.toString(16)}}`);

/**
 * Translate an RE2 pattern (already validated by RE2JS) into an equivalent JS RegExp with the `u` flag, for the
 * constructs Kubernetes expressions use (leading flag groups, (?P<n>), \\A \\z, POSIX classes, \\pX, \\Q…\\E, \\x{…}).
 * Returns undefined when the pattern uses something we do not translate (then a slower RE2-only search is used).
 */
export function translateRE2(p: string): RegExp | undefined {
  let flags = "gu";
  let i = 0;
  const lead = /^\(\?([imsU]+)\)/.exec(p);
  if (lead) {
    if (lead[1]!.includes("U")) return undefined;
    for (const f of lead[1]!) if (!flags.includes(f)) flags += f;
    i = lead[0].length;
  }
  let out = "";
  let inClass = false;
  while (i < p.length) {
    const c = p[i]!;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) return undefined;
      if (n === "Q") {
        const e = p.indexOf("\\E", i + 2);
        const body = e < 0 ? p.slice(i + 2) : p.slice(i + 2, e);
        out += [...body].map((x) => lit(x, inClass)).join("");
        i = e < 0 ? p.length : e + 2;
        continue;
      }
      if (n === "z" && !inClass) {
        out += "(?![\\s\\S])";
        i += 2;
        continue;
      }
      if (n === "A" && !inClass) {
        out += "(?<![\\s\\S])";
        i += 2;
        continue;
      }
      if (n === "x" && p[i + 2] === "{") {
        const e = p.indexOf("}", i);
        out += `\\u{${p.slice(i + 3, e)}}`;
        i = e + 1;
        continue;
      }
      if (n === "p" || n === "P") {
        let name: string;
        let len: number;
        if (p[i + 2] === "{") {
          const e = p.indexOf("}", i);
          name = p.slice(i + 3, e);
          len = e + 1 - i;
        } else {
          name = p[i + 2]!;
          len = 3;
        }
        let neg = n === "P";
        if (name.startsWith("^")) {
          neg = !neg;
          name = name.slice(1);
        }
        const prop = GENERAL_CATEGORIES.has(name) ? name : name === "Any" ? "Any" : `Script=${name}`;
        out += `\\${neg ? "P" : "p"}{${prop}}`;
        i += len;
        continue;
      }
      if ("dDsSwWbBtnrfv".includes(n)) {
        if (n === "s" || n === "S") out += n === "s" ? "[\\t\\n\\f\\r ]" : "[^\\t\\n\\f\\r ]";
        else if (n === "v") out += "\\x0B";
        else out += `\\${n}`;
        if (inClass && (n === "s" || n === "S")) return undefined;
        i += 2;
        continue;
      }
      if (/[0-9A-Za-z]/.test(n)) return undefined;
      out += lit(n, inClass);
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === "[" && p[i + 1] === ":") {
        const e = p.indexOf(":]", i);
        let name = p.slice(i + 2, e);
        const neg = name.startsWith("^");
        if (neg) return undefined;
        name = name.replace(/^\^/, "");
        const body = POSIX[name];
        if (body === undefined) return undefined;
        out += body;
        i = e + 2;
        continue;
      }
      if (c === "]") inClass = false;
      out += c === "[" ? "\\[" : c;
      i++;
      continue;
    }
    if (c === "[") {
      inClass = true;
      out += c;
      i++;
      if (p[i] === "^") {
        out += "^";
        i++;
      }
      if (p[i] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(" && p[i + 1] === "?") {
      if (p.startsWith("(?P<", i)) {
        out += "(?<";
        i += 4;
        continue;
      }
      if (p.startsWith("(?:", i)) {
        out += "(?:";
        i += 3;
        continue;
      }
      return undefined;
    }
    if (c === "{" && !/^\{\d+(,\d*)?\}/.test(p.slice(i))) {
      out += "\\{";
      i++;
      continue;
    }
    out += c;
    i++;
  }
  try {
    return new RegExp(out, flags);
  } catch {
    return undefined;
  }
}

/** Compile (cached) or throw CelError("Illegal regex: …") with Go's regexp error text. */
export function compileRegex(pattern: string): Compiled {
  let hit = cache.get(pattern);
  if (hit === undefined) {
    try {
      hit = { re2: RE2JS.compile(pattern).re2(), js: undefined };
    } catch (e) {
      hit = new CelError(`Illegal regex: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!(hit instanceof CelError)) hit.js = safeRegExp(pattern, "g"); // analysed only once RE2 accepted it
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, hit);
  }
  if (hit instanceof CelError) throw hit;
  return hit;
}

/** Leftmost-first match at or after pos: [start, end] offsets, or undefined. */
function matchAt(re: Compiled, s: string, pos: number): [number, number] | undefined {
  const js = re.js;
  if (js) {
    js.lastIndex = pos;
    try {
      const m = js.exec(s);
      return m ? [m.index, m.index + m[0].length] : undefined;
    } catch {
      // irregexp's backtrack stack overflows on some multi-megabyte inputs: the Pike VM answers those
    }
  }
  return pikeFind(re.re2, s, pos);
}

/** Go regexp.FindAllString(s, n): n < 0 means all; empty matches right after a match are dropped. */
export function goFindAll(re: Compiled, s: string, n: number): string[] {
  const out: string[] = [];
  if (n < 0) n = s.length + 1;
  const end = s.length;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < n && pos <= end) {
    const m = matchAt(re, s, pos);
    if (!m) break;
    const [a, b] = m;
    let accept = true;
    if (b === pos) {
      if (a === prevMatchEnd) accept = false;
      if (pos < end) {
        const c = s.codePointAt(pos)!;
        pos += c > 0xffff ? 2 : 1;
      } else pos = end + 1;
    } else {
      pos = b;
    }
    prevMatchEnd = b;
    if (accept) out.push(s.slice(a, b));
  }
  return out;
}

export function find(str: Value, regex: Value): Value {
  const s = asString(str);
  const m = matchAt(compileRegex(asString(regex)), s, 0);
  return m ? s.slice(m[0], m[1]) : "";
}

export function findAll(str: Value, regex: Value, limit?: Value): Value {
  const s = asString(str);
  const re = compileRegex(asString(regex));
  let n = limit === undefined ? -1n : asInt(limit);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) n = -1n;
  return goFindAll(re, s, Number(n));
}

export const regexLibrary: Library = {
  name: "kubernetes.regex",
  since: "1.0",
  overloads: [
    member("string_find_string", "find", [T.string, T.string], T.string, find),
    member("string_find_all_string", "findAll", [T.string, T.string], T.list(T.string), (s, r) => findAll(s!, r!)),
    member("string_find_all_string_int", "findAll", [T.string, T.string, T.int], T.list(T.string), findAll),
  ],
};
