// Glob builtins (OPA v1/topdown/glob.go, regex.go): glob.match and glob.quote_meta with gobwas/glob semantics
// (`*` stops at delimiters, `**` does not, `?` one non-delimiter, `[abc]` `[!a-z]` classes, `{a,b}` alternatives,
// `\` escapes; delimiters default to ["."] for [], none for null), and regex.globs_match with
// yashtewari/glob-intersection's syntax (`.` any, `[a-z]` sets, `+` / `*` flags on the previous token, `\` escapes).
import type { Value } from "../../value.js";
import type { BuiltinDef } from "./api.js";
import { arr, elementErr, fail, runes, str, typeErr } from "./util.js";

// ---- glob.match ----------------------------------------------------------------------------------------------------

type GlobNode =
  | { k: "text"; s: string }
  | { k: "any" }
  | { k: "super" }
  | { k: "single" }
  | { k: "list"; chars: string[]; not: boolean }
  | { k: "range"; lo: string; hi: string; not: boolean }
  | { k: "anyof"; alts: GlobNode[][] };

/** gobwas/glob's lexer and parser, producing a tree (errors carry gobwas' messages). */
function parseGlob(pattern: string): GlobNode[] {
  const rs = runes(pattern);
  let i = 0;
  const specialsInTerms = new Set(["?", "*", "[", "{", "}", ","]);
  const specialsInText = new Set(["?", "*", "[", "{"]);

  const readText = (breakers: Set<string>): string => {
    let out = "";
    let escaped = false;
    while (i < rs.length) {
      const r = rs[i]!;
      if (!escaped) {
        if (r === "\\") {
          escaped = true;
          i++;
          continue;
        }
        if (breakers.has(r)) break;
      }
      escaped = false;
      out += r;
      i++;
    }
    return out;
  };

  const readRange = (): GlobNode => {
    let not = false;
    if (rs[i] === "!") {
      not = true;
      i++;
    }
    if (i >= rs.length) throw fail("unexpected end of input");
    if (rs[i + 1] === "-") {
      const lo = rs[i]!;
      i += 2;
      if (i >= rs.length) throw fail("unexpected end of input");
      const hi = rs[i++]!;
      if (i >= rs.length) throw fail("unexpected end of input");
      if (rs[i] !== "]") throw fail("expected close range character");
      i++;
      return { k: "range", lo, hi, not };
    }
    const text = readText(new Set(["]"]));
    if (i >= rs.length) throw fail("unexpected end of input");
    i++; // ]
    return { k: "list", chars: runes(text), not };
  };

  const parseSeq = (inTerms: boolean): GlobNode[] => {
    const nodes: GlobNode[] = [];
    while (i < rs.length) {
      const r = rs[i]!;
      if (inTerms && (r === "," || r === "}")) return nodes;
      if (r === "{") {
        i++;
        const alts: GlobNode[][] = [];
        for (;;) {
          alts.push(parseSeq(true));
          if (i >= rs.length) throw fail("unexpected end of input");
          if (rs[i] === "}") {
            i++;
            break;
          }
          i++; // ,
        }
        nodes.push({ k: "anyof", alts });
      } else if (r === "[") {
        i++;
        nodes.push(readRange());
      } else if (r === "?") {
        i++;
        nodes.push({ k: "single" });
      } else if (r === "*") {
        i++;
        if (rs[i] === "*") {
          i++;
          nodes.push({ k: "super" });
        } else nodes.push({ k: "any" });
      } else {
        const text = readText(inTerms ? specialsInTerms : specialsInText);
        if (text !== "") nodes.push({ k: "text", s: text });
        else if (i < rs.length && !inTerms) {
          // an unbreakable special outside terms (`}` or `,`) is plain text
          nodes.push({ k: "text", s: rs[i]! });
          i++;
        }
      }
    }
    return nodes;
  };
  return parseSeq(false);
}

function escapeClassChar(ch: string): string {
  return /[\\\]^-]/.test(ch) ? "\\" + ch : ch;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

function globToRegExp(nodes: GlobNode[], delimiters: string[]): string {
  const notDelim = delimiters.length === 0 ? "[^]" : "[^" + delimiters.map(escapeClassChar).join("") + "]";
  return nodes
    .map((n): string => {
      switch (n.k) {
        case "text":
          return escapeRegExp(n.s);
        case "any":
          return notDelim + "*";
        case "super":
          return "[^]*";
        case "single":
          return notDelim;
        case "list":
          if (n.chars.length === 0) return n.not ? "[^]" : "[]";
          return "[" + (n.not ? "^" : "") + n.chars.map(escapeClassChar).join("") + "]";
        case "range":
          if (n.lo > n.hi) return n.not ? "[^]" : "[]";
          return "[" + (n.not ? "^" : "") + escapeClassChar(n.lo) + "-" + escapeClassChar(n.hi) + "]";
        case "anyof":
          return "(?:" + n.alts.map((alt) => globToRegExp(alt, delimiters)).join("|") + ")";
      }
    })
    .join("");
}

const globCache = new Map<string, RegExp>();

function globMatch(pattern: string, delimiters: string[], input: string): boolean {
  const id = pattern + "\u0000" + delimiters.join("");
  let re = globCache.get(id);
  if (re === undefined) {
    re = new RegExp("^(?:" + globToRegExp(parseGlob(pattern), delimiters) + ")$", "u");
    if (globCache.size >= 1024) globCache.clear();
    globCache.set(id, re);
  }
  return re.test(input);
}

function delimitersOf(v: Value): string[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw typeErr(2, v, "array", "null");
  const list = arr(v, 2).map((item) => {
    if (typeof item !== "string") throw elementErr(2, v, item, "string");
    const rs = runes(item);
    if (rs.length !== 1) throw elementErr(2, v, item, "rune");
    return rs[0]!;
  });
  return list.length === 0 ? ["."] : list;
}

/** gobwas/glob's QuoteMeta: escapes * ? \ [ ] { }. */
function globQuoteMeta(s: string): string {
  return s.replace(/[*?\\[\]{}]/g, "\\$&");
}

// ---- regex.globs_match ---------------------------------------------------------------------------------------------

type GiToken = { kind: "char"; r: string } | { kind: "dot" } | { kind: "set"; runes: Set<string> };
interface GiItem {
  tok: GiToken;
  flag: "" | "+" | "*";
}

function giError(input: string, pos: number, msg: string): never {
  throw fail(`input:${input}, pos:${pos}, ${msg}: the input provided is invalid`);
}

/** glob-intersection's tokenizer. */
function tokenizeGi(input: string): GiItem[] {
  const rs = runes(input);
  const nextRune = (index: number): { at: number; r: string; escaped: boolean } | undefined => {
    if (index >= rs.length) return undefined;
    if (rs[index] === "\\") {
      if (index === rs.length - 1) giError(input, index, "input ends with a \\ (escape) character");
      return { at: index + 2, r: rs[index + 1]!, escaped: true };
    }
    return { at: index + 1, r: rs[index]!, escaped: false };
  };
  const items: GiItem[] = [];
  let index = 0;
  for (;;) {
    const n = nextRune(index);
    if (n === undefined) break;
    index = n.at;
    let tok: GiToken;
    if (!n.escaped && n.r === ".") tok = { kind: "dot" };
    else if (!n.escaped && n.r === "]") giError(input, index, "set-close ']' with no preceding '['");
    else if (!n.escaped && n.r === "[") {
      const set = new Set<string>();
      let prev = "";
      let prevExists = false;
      let complete = false;
      for (;;) {
        const m = nextRune(index);
        if (m === undefined) break;
        index = m.at;
        if (!m.escaped && m.r === "]") {
          complete = true;
          break;
        }
        if (!m.escaped && m.r === "-") {
          if (!prevExists) giError(input, index, "range character '-' must be preceded by a Unicode character");
          if (index >= rs.length - 1) giError(input, index, "range character '-' must be followed by a Unicode character");
          const hi = nextRune(index)!;
          index = hi.at;
          if (!hi.escaped && (hi.r === "]" || hi.r === "-")) {
            giError(input, index, "range character '-' cannot be followed by a special symbol");
          }
          const lo = prev.codePointAt(0)!;
          const top = hi.r.codePointAt(0)!;
          if (top < lo) giError(input, index, `range is out of order: '${hi.r}' comes before '${prev}' in Unicode`);
          for (let x = lo; x <= top; x++) set.add(String.fromCodePoint(x));
          prevExists = false;
          continue;
        }
        set.add(m.r);
        prev = m.r;
        prevExists = true;
      }
      if (!complete) giError(input, index, "found [ without matching ]");
      tok = { kind: "set", runes: set };
    } else if (!n.escaped && (n.r === "+" || n.r === "*")) {
      giError(input, index, `flag '${n.r}' must be preceded by a non-flag`);
    } else tok = { kind: "char", r: n.r };
    let flag: GiItem["flag"] = "";
    const f = nextRune(index);
    if (f !== undefined && !f.escaped && (f.r === "+" || f.r === "*")) {
      flag = f.r;
      index = f.at;
    }
    items.push({ tok, flag });
  }
  return items;
}

function tokensIntersect(a: GiToken, b: GiToken): boolean {
  if (a.kind === "dot") return b.kind !== "set" || b.runes.size > 0;
  if (b.kind === "dot") return tokensIntersect(b, a);
  if (a.kind === "char") return b.kind === "char" ? a.r === b.r : b.runes.has(a.r);
  if (b.kind === "char") return a.runes.has(b.r);
  for (const r of a.runes) if (b.runes.has(r)) return true;
  return false;
}

/** Expands `x+` to `x x*`: a sequence of (token, starred). */
function expandGi(items: GiItem[]): { tok: GiToken; star: boolean }[] {
  const out: { tok: GiToken; star: boolean }[] = [];
  for (const { tok, flag } of items) {
    if (flag === "+") out.push({ tok, star: false }, { tok, star: true });
    else out.push({ tok, star: flag === "*" });
  }
  return out;
}

/** Whether some string matches both globs: reachability in the product automaton. */
function globsIntersect(lhs: string, rhs: string): boolean {
  const g1 = expandGi(tokenizeGi(lhs));
  const g2 = expandGi(tokenizeGi(rhs));
  const seen = new Set<string>();
  const stack: [number, number][] = [[0, 0]];
  while (stack.length > 0) {
    const [i, j] = stack.pop()!;
    const key = `${i},${j}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (i === g1.length && j === g2.length) return true;
    // epsilon: skip a starred token on either side
    if (i < g1.length && g1[i]!.star) stack.push([i + 1, j]);
    if (j < g2.length && g2[j]!.star) stack.push([i, j + 1]);
    if (i < g1.length && j < g2.length && tokensIntersect(g1[i]!.tok, g2[j]!.tok)) {
      const ni = g1[i]!.star ? i : i + 1;
      const nj = g2[j]!.star ? j : j + 1;
      stack.push([ni, nj]);
      if (g1[i]!.star && !g2[j]!.star) stack.push([i + 1, nj]);
      if (g2[j]!.star && !g1[i]!.star) stack.push([ni, j + 1]);
    }
  }
  return false;
}

export const GLOB: BuiltinDef[] = [
  [
    "glob.match",
    3,
    ([p, d, m]) => {
      const pattern = str(p!, 1);
      const delimiters = delimitersOf(d!);
      const input = str(m!, 3);
      return globMatch(pattern, delimiters, input);
    },
  ],
  ["glob.quote_meta", 1, ([p]) => globQuoteMeta(str(p!, 1))],
  ["regex.globs_match", 2, ([a, b]) => globsIntersect(str(a!, 1), str(b!, 2))],
];
