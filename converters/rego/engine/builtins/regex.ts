// Regular expression builtins (OPA v1/topdown/regex.go, regex_template.go): regex.match / re_match, regex.is_valid,
// regex.split, regex.find_n, regex.find_all_string_submatch_n, regex.replace, regex.template_match.
// Patterns are RE2 (Go's regexp) through @bufbuild/re2, which parses and compiles them with Go's error messages
// but only answers "does it match"; match positions and submatches come from a small Pike VM over its compiled
// program here, with Go's leftmost-first semantics and Go's FindAll / Split / ReplaceAll iteration rules.
// Positions are UTF-16 offsets stepping by code point (Go steps by UTF-8 rune: same results).
import { RE2JS } from "@bufbuild/re2";
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { BuiltinFailure, fail, goQuote, int, str, utf8Bytes } from "./util.js";

// Instruction opcodes and empty-width flags of @bufbuild/re2 (its Inst.ts / Utils.ts; not exported by name).
const ALT = 1;
const ALT_MATCH = 2;
const CAPTURE = 3;
const EMPTY_WIDTH = 4;
const MATCH = 6;
const NOP = 7;
const RUNE = 8;
const RUNE1 = 9;
const RUNE_ANY = 10;
const RUNE_ANY_NOT_NL = 11;
const EMPTY_BEGIN_LINE = 1;
const EMPTY_END_LINE = 2;
const EMPTY_BEGIN_TEXT = 4;
const EMPTY_END_TEXT = 8;
const EMPTY_WORD_BOUNDARY = 16;
const EMPTY_NO_WORD_BOUNDARY = 32;

interface Inst {
  op: number;
  out: number;
  arg: number;
  matchRune(r: number): boolean;
}
interface Prog {
  inst: Inst[];
  start: number;
  numCap: number;
  startCond(): number;
}

export interface Compiled {
  readonly re: RE2JS;
  readonly prog: Prog;
  readonly ncap: number;
  readonly anchored: boolean;
  readonly names: Map<string, number>;
}

const cache = new Map<string, Compiled | BuiltinFailure>();
const MAX_CACHE = 1024;

/** Compiles (or fetches) a Go regexp; throws BuiltinFailure with Go's message when the pattern is invalid. */
export function compileRegex(pattern: string): Compiled {
  let entry = cache.get(pattern);
  if (entry === undefined) {
    try {
      const re = RE2JS.compile(pattern);
      const prog = re.re2Input.prog as unknown as Prog;
      entry = {
        re,
        prog,
        ncap: Math.max(prog.numCap, 2),
        anchored: (prog.startCond() & EMPTY_BEGIN_TEXT) !== 0,
        names: re.namedGroups(),
      };
    } catch (e) {
      entry = fail(e instanceof Error ? e.message : String(e));
    }
    if (cache.size >= MAX_CACHE) cache.clear();
    cache.set(pattern, entry);
  }
  if (entry instanceof BuiltinFailure) throw fail(entry.message);
  return entry;
}

export function isValidRegex(pattern: string): boolean {
  try {
    compileRegex(pattern);
    return true;
  } catch {
    return false;
  }
}

function isWordRune(r: number): boolean {
  return (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a) || (r >= 0x30 && r <= 0x39) || r === 0x5f;
}

function emptyContext(r1: number, r2: number): number {
  let op = 0;
  if (r1 < 0) op |= EMPTY_BEGIN_TEXT | EMPTY_BEGIN_LINE;
  if (r1 === 0x0a) op |= EMPTY_BEGIN_LINE;
  if (r2 < 0) op |= EMPTY_END_TEXT | EMPTY_END_LINE;
  if (r2 === 0x0a) op |= EMPTY_END_LINE;
  op |= isWordRune(r1) !== isWordRune(r2) ? EMPTY_WORD_BOUNDARY : EMPTY_NO_WORD_BOUNDARY;
  return op;
}

function runeAt(s: string, i: number): number {
  return i < s.length ? s.codePointAt(i)! : -1;
}

function runeBefore(s: string, i: number): number {
  if (i <= 0) return -1;
  const c = s.charCodeAt(i - 1);
  if (c >= 0xdc00 && c <= 0xdfff && i >= 2) {
    const h = s.charCodeAt(i - 2);
    if (h >= 0xd800 && h <= 0xdbff) return s.codePointAt(i - 2)!;
  }
  return c;
}

interface Thread {
  pc: number;
  cap: number[];
}

/** Leftmost-first unanchored search from `pos`: capture offsets (2 per group, -1 when unset) or null. */
export function execRegex(c: Compiled, s: string, pos: number): number[] | null {
  const prog = c.prog;
  const insts = prog.inst;
  if (c.anchored && pos !== 0) return null;
  const marks = new Int32Array(insts.length).fill(-1);
  let gen = 0;
  let clist: Thread[] = [];
  let matched: number[] | null = null;

  const add = (q: Thread[], pc: number, at: number, cap: number[], ctx: number): void => {
    if (marks[pc] === gen) return;
    marks[pc] = gen;
    const inst = insts[pc]!;
    switch (inst.op) {
      case ALT:
      case ALT_MATCH:
        add(q, inst.out, at, cap, ctx);
        add(q, inst.arg, at, cap, ctx);
        return;
      case EMPTY_WIDTH:
        if ((inst.arg & ~ctx) === 0) add(q, inst.out, at, cap, ctx);
        return;
      case NOP:
        add(q, inst.out, at, cap, ctx);
        return;
      case CAPTURE:
        if (inst.arg < cap.length) {
          const old = cap[inst.arg]!;
          cap[inst.arg] = at;
          add(q, inst.out, at, cap, ctx);
          cap[inst.arg] = old;
        } else add(q, inst.out, at, cap, ctx);
        return;
      case MATCH:
      case RUNE:
      case RUNE1:
      case RUNE_ANY:
      case RUNE_ANY_NOT_NL:
        q.push({ pc, cap: cap.slice() });
        return;
      default:
        return; // FAIL
    }
  };

  let p = pos;
  let prev = runeBefore(s, p);
  gen++;
  for (;;) {
    const r = runeAt(s, p);
    const width = r < 0 ? 0 : r > 0xffff ? 2 : 1;
    if (clist.length === 0 && (matched !== null || (c.anchored && p !== pos))) break;
    if (matched === null && (!c.anchored || p === pos)) {
      const cap = new Array<number>(c.ncap).fill(-1);
      cap[0] = p;
      add(clist, prog.start, p, cap, emptyContext(prev, r));
    }
    const nextCtx = emptyContext(r, r < 0 ? -1 : runeAt(s, p + width));
    const nlist: Thread[] = [];
    gen++;
    for (const t of clist) {
      const inst = insts[t.pc]!;
      if (inst.op === MATCH) {
        t.cap[1] = p;
        matched = t.cap;
        break; // lower-priority threads are cut off
      }
      if (r < 0) continue;
      let ok: boolean;
      if (inst.op === RUNE_ANY) ok = true;
      else if (inst.op === RUNE_ANY_NOT_NL) ok = r !== 0x0a;
      else ok = inst.matchRune(r);
      if (ok) add(nlist, inst.out, p + width, t.cap, nextCtx);
    }
    if (r < 0) break;
    prev = r;
    p += width;
    clist = nlist;
  }
  return matched;
}

function stepWidth(s: string, pos: number): number {
  const r = runeAt(s, pos);
  return r < 0 ? 0 : r > 0xffff ? 2 : 1;
}

/** Go's Regexp.allMatches: up to n (n < 0: all) non-overlapping matches, no empty match right after a match. */
export function findAll(c: Compiled, s: string, n: number): number[][] {
  const out: number[][] = [];
  const limit = n < 0 ? Infinity : n;
  let pos = 0;
  let prevMatchEnd = -1;
  while (out.length < limit && pos <= s.length) {
    const m = execRegex(c, s, pos);
    if (m === null) break;
    let accept = true;
    if (m[1] === pos) {
      if (m[0] === prevMatchEnd) accept = false;
      const w = stepWidth(s, pos);
      pos = w > 0 ? pos + w : s.length + 1;
    } else pos = m[1]!;
    prevMatchEnd = m[1]!;
    if (accept) out.push(m);
  }
  return out;
}

/** Go's Regexp.Split(s, -1). */
function split(c: Compiled, pattern: string, s: string): string[] {
  if (pattern.length > 0 && s.length === 0) return [""];
  const out: string[] = [];
  let beg = 0;
  let end = 0;
  for (const m of findAll(c, s, -1)) {
    end = m[0]!;
    if (m[1] !== 0) out.push(s.slice(beg, end));
    beg = m[1]!;
  }
  if (end !== s.length) out.push(s.slice(beg));
  return out;
}

function isNameRune(ch: string): boolean {
  return /^[\p{L}\p{Nd}\p{Nl}\p{No}_]$/u.test(ch);
}

/** Go's Regexp.expand: $1, ${1}, $name, ${name}, $$. */
function expand(c: Compiled, template: string, s: string, m: readonly number[]): string {
  let out = "";
  let t = template;
  for (;;) {
    const at = t.indexOf("$");
    if (at < 0) break;
    out += t.slice(0, at);
    t = t.slice(at + 1);
    if (t.startsWith("$")) {
      out += "$";
      t = t.slice(1);
      continue;
    }
    let rest = t;
    const brace = rest.startsWith("{");
    if (brace) rest = rest.slice(1);
    let i = 0;
    for (const ch of rest) {
      if (!isNameRune(ch)) break;
      i += ch.length;
    }
    if (i === 0 || (brace && rest[i] !== "}")) {
      out += "$";
      continue;
    }
    const name = rest.slice(0, i);
    t = rest.slice(i + (brace ? 1 : 0));
    let group = /^[0-9]+$/.test(name) && name.length <= 8 && !(name[0] === "0" && name.length > 1) ? Number(name) : -1;
    if (group < 0) group = c.names.get(name) ?? -1;
    if (group >= 0 && 2 * group + 1 < m.length && m[2 * group]! >= 0) out += s.slice(m[2 * group], m[2 * group + 1]);
  }
  return out + t;
}

/** Go's Regexp.ReplaceAllString. */
function replaceAll(c: Compiled, s: string, repl: string): string {
  let out = "";
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= s.length) {
    const m = execRegex(c, s, searchPos);
    if (m === null) break;
    out += s.slice(lastMatchEnd, m[0]);
    if (m[1]! > lastMatchEnd || m[0] === 0) out += expand(c, repl, s, m);
    lastMatchEnd = m[1]!;
    const w = stepWidth(s, searchPos);
    if (searchPos + w > m[1]!) searchPos += w;
    else if (searchPos + 1 > m[1]!) searchPos++;
    else searchPos = m[1]!;
  }
  return out + s.slice(lastMatchEnd);
}

/** Go's regexp.QuoteMeta. */
export function quoteMeta(s: string): string {
  return s.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/** The gorilla/mux style template of regex.template_match, compiled to one anchored pattern. */
function compileTemplate(tpl: string, start: string, end: string): Compiled {
  const idxs: number[] = [];
  let level = 0;
  let idx = 0;
  for (let i = 0; i < tpl.length; i++) {
    if (tpl[i] === start) {
      if (++level === 1) idx = i;
    } else if (tpl[i] === end) {
      if (--level === 0) idxs.push(idx, i + 1);
      else if (level < 0) throw fail(`unbalanced braces in ${goQuote(tpl)}`);
    }
  }
  if (level !== 0) throw fail(`unbalanced braces in ${goQuote(tpl)}`);
  let pattern = "^";
  let last = 0;
  for (let i = 0; i < idxs.length; i += 2) {
    const raw = tpl.slice(last, idxs[i]);
    last = idxs[i + 1]!;
    const patt = tpl.slice(idxs[i]! + 1, last - 1);
    pattern += `${quoteMeta(raw)}(${patt})`;
    compileRegex(`^${patt}$`);
  }
  pattern += quoteMeta(tpl.slice(last)) + "$";
  return compileRegex(pattern);
}

function templateMatch(args: readonly Value[]): boolean {
  const pattern = str(args[0]!, 1);
  const match = str(args[1]!, 2);
  const start = str(args[2]!, 3);
  const end = str(args[3]!, 4);
  const startLen = utf8Bytes(start).length;
  if (startLen !== 1) throw fail(`start delimiter has to be exactly one character long but is ${startLen} long`);
  if (utf8Bytes(end).length !== 1) throw fail(`end delimiter has to be exactly one character long but is ${startLen} long`);
  return compileTemplate(pattern, start, end).re.test(match);
}

function regexMatch([p, s]: readonly Value[]): boolean {
  const pattern = str(p!, 1);
  const input = str(s!, 2);
  return compileRegex(pattern).re.test(input);
}

export const REGEX: BuiltinDef[] = [
  ["regex.match", 2, regexMatch],
  ["re_match", 2, regexMatch],
  ["regex.is_valid", 1, ([p]) => typeof p === "string" && isValidRegex(p)],
  [
    "regex.split",
    2,
    ([p, s]) => {
      const pattern = str(p!, 1);
      const input = str(s!, 2);
      return split(compileRegex(pattern), pattern, input);
    },
  ],
  [
    "regex.find_n",
    3,
    ([p, s, n]) => {
      const pattern = str(p!, 1);
      const input = str(s!, 2);
      const count = int(n!, 3);
      return findAll(compileRegex(pattern), input, count).map((m) => input.slice(m[0], m[1]));
    },
  ],
  [
    "regex.find_all_string_submatch_n",
    3,
    ([p, s, n]) => {
      const pattern = str(p!, 1);
      const input = str(s!, 2);
      const count = int(n!, 3);
      const c = compileRegex(pattern);
      const groups = c.re.groupCount() + 1;
      return findAll(c, input, count).map((m) => {
        const row: string[] = [];
        for (let g = 0; g < groups; g++) row.push(m[2 * g]! >= 0 ? input.slice(m[2 * g], m[2 * g + 1]) : "");
        return row;
      });
    },
  ],
  [
    "regex.replace",
    3,
    ([b, p, v]) => {
      const base = str(b!, 1);
      const pattern = str(p!, 2);
      const value = str(v!, 3);
      return replaceAll(compileRegex(pattern), base, value);
    },
  ],
  ["regex.template_match", 4, templateMatch],
];
