// The regex fast paths keep RE2's answers and its linear-time guarantee: `matches` runs on a JS RegExp only for
// patterns regex-safe.ts proves equivalent and free of super-linear backtracking, and `find`/`findAll` take their
// offsets from that RegExp or from the Pike VM over RE2's program. Checked differentially on generated patterns and
// inputs (JS RegExp vs RE2, JS offsets vs Pike VM offsets, Pike VM vs RE2), by routing (catastrophic patterns never
// reach the backtracking engine) and by counting the steps of a simulated backtracking matcher on the accepted ones.
import { RE2JS } from "@bufbuild/re2";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileRegex as compileFind, find, findAll, goFindAll } from "../src/cel/k8s/regex.js";
import { pikeFind } from "../src/cel/stdlib/re2-pike.js";
import { analyzeRegex, parseRegexSubset, type RegexNode } from "../src/cel/stdlib/regex-safe.js";
import { CompiledRegex, compileRegex } from "../src/cel/stdlib/regex.js";

// ---------------------------------------------------------------- generators

const ATOMS = [
  "a", "b", "x", "-", "é", "😀", "{", "]", "\\.", "\\-", "\\\\", ".", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\n",
  "[ab]", "[^a]", "[a-c]", "[-a]", "[a-]", "[]a]", "[^]a]", "[[:alpha:]]", "[[:^digit:]x]", "[^\\n]", "[\\d.]", "\\x41",
  "\\x{1F600}", "[a-z0-9]", "[😀-😂]", "[^-]",
];
/** Constructs only the Pike VM and RE2 see (outside the fast-path subset). */
const EXOTIC = ["\\b", "\\B", "(?i)a", "(?s).", "(?m)^", "(?m)$", "\\pL", "\\Qa.\\E", "\\A", "\\z"];
const QUANTIFIERS = ["", "", "", "*", "+", "?", "{2}", "{1,3}", "{2,}", "{0,1}", "*?", "+?", "??", "{1,2}?"];

const patternArb = (exotic: boolean): fc.Arbitrary<string> => {
  const atoms = exotic ? [...ATOMS, ...EXOTIC] : ATOMS;
  const tree = fc.letrec<{ atom: string; group: string; piece: string; seq: string; alt: string }>((tie) => ({
    atom: fc.oneof({ maxDepth: 3, depthIdentifier: "re" }, fc.constantFrom(...atoms), tie("group")),
    group: fc.tuple(fc.constantFrom("(", "(?:", "(?P<g>"), tie("alt")).map(([o, a]) => `${o}${a})`),
    piece: fc.tuple(tie("atom"), fc.constantFrom(...QUANTIFIERS)).map(([a, q]) => a + q),
    seq: fc.array(tie("piece"), { maxLength: 4 }).map((xs) => xs.join("")),
    alt: fc.array(tie("seq"), { minLength: 1, maxLength: 3 }).map((xs) => xs.join("|")),
  }));
  let group = 0; // group names must be unique
  return fc
    .tuple(fc.constantFrom(true, true, false), tree.alt, fc.boolean()) // mostly anchored, as Kubernetes patterns are
    .map(([b, r, e]) => `${b ? "^" : ""}${r}${e ? "$" : ""}`.replace(/\(\?P<g>/g, () => `(?P<g${group++}>`));
};

const CHARS = ["a", "b", "x", "-", ".", "é", "😀", "😁", "\n", "\r", "A", "1", " ", "{", "]", "_", "\u2028", "\uD800", "\uDC00"];
const inputArb = fc.array(fc.constantFrom(...CHARS), { maxLength: 14 }).map((xs) => xs.join(""));
/** Pumped inputs, the shape that makes backtracking blow up: prefix + piece × k + suffix. */
const pumpedArb = fc
  .tuple(inputArb, fc.array(fc.constantFrom(...CHARS), { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 12 }), fc.constantFrom("", "!", "\n", "a", "-"))
  .map(([p, piece, k, s]) => (p.slice(0, 4) + piece.join("").repeat(k) + s).slice(0, 40));

/** RE2 compiles it (our fast paths are only asked about valid patterns). */
function re2(p: string): RE2JS | undefined {
  try {
    return RE2JS.compile(p);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- routing

describe("regex fast path routing", () => {
  const CATASTROPHIC = [
    "(a+)+$", "(a|a)*b", "(a*)*b", "^(a|aa)+$", "(x+x+)+y", "^(\\w+\\s?)*$", "^(a+)+$", "(.*a){12}", "^(a|b|ab)*c$",
    "a+b", "\\d+\\d+", "^.*a.*$", "(a?){20}a{20}", "^(a?|b?)+$", "([a-z]+)*@",
  ];
  it.each(CATASTROPHIC)("never routes %s to the backtracking engine", (p) => {
    expect(re2(p)).toBeDefined();
    expect("rejected" in analyzeRegex(p)).toBe(true);
    expect(compileRegex(p).js).toBeUndefined();
    expect(compileFind(p).js).toBeUndefined();
  });

  it("answers the catastrophic inputs through RE2 and the Pike VM", () => {
    const evil = "a".repeat(5000) + "!";
    expect(compileRegex("(a+)+$").test(evil)).toBe(false);
    expect(compileRegex("^(a|aa)+$").test(evil)).toBe(false);
    expect(find(evil, "(a+)+$")).toBe("");
    expect(find(evil, "(a|a)*!")).toBe(evil);
    expect(findAll("aaa!aa!", "(a+)+!")).toEqual(["aaa!", "aa!"]);
  });

  const KUBERNETES = [
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", // DNS-1123 label
    "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", // DNS-1123 subdomain
    "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$", // label value
    "^registry\\.example\\.com/.+:[0-9.]+$",
    "^(registry\\.example\\.com|ghcr\\.io)(/[a-z0-9]+([._-][a-z0-9]+)*)+(:[A-Za-z0-9._-]+)?$",
    "^\\d{1,3}(\\.\\d{1,3}){3}$",
    "^[^/]+/[^/]+$",
    ":latest$",
    "secret|passw(or)?d|token",
    "^.*\\.example\\.com$",
    "^sha256:[a-f0-9]{64}$",
  ];
  it.each(KUBERNETES)("routes %s to the JS RegExp", (p) => {
    expect("source" in analyzeRegex(p)).toBe(true);
    expect(compileRegex(p).js).toBeDefined();
  });

  it("leaves flags, word boundaries, Unicode classes and inner anchors to RE2", () => {
    for (const p of ["(?i)abc", "\\bfoo\\b", "\\pL+", "a^b", "^a|b$", "(?m)^x$", "\\Qa.b\\E", "a\\Cb"]) {
      if (!re2(p)) continue;
      expect(compileRegex(p).js, p).toBeUndefined();
    }
  });

  it("falls back to RE2 / the Pike VM when the JS engine throws (its backtrack stack overflows past ~8M characters)", () => {
    class Overflowing extends RegExp {
      override test(): boolean {
        throw new RangeError("Maximum call stack size exceeded");
      }
      override exec(): RegExpExecArray | null {
        throw new RangeError("Maximum call stack size exceeded");
      }
    }
    const p = "^(a|b)*c$";
    expect(compileRegex(p).js).toBeDefined();
    expect(new CompiledRegex(RE2JS.compile(p), new Overflowing("x")).test("ababc")).toBe(true);
    expect(new CompiledRegex(RE2JS.compile(p), new Overflowing("x")).test("ababa")).toBe(false);
    expect(goFindAll({ re2: RE2JS.compile("b+").re2(), js: new Overflowing("x", "g") }, "abbabb", -1)).toEqual(["bb", "bb"]);
  });
});

// ---------------------------------------------------------------- differential

describe("regex fast path agrees with RE2", () => {
  it("the JS RegExp answers as RE2 on every accepted pattern (and compileRegex on every pattern)", () => {
    let accepted = 0;
    let valid = 0;
    fc.assert(
      fc.property(patternArb(false), fc.array(fc.oneof(inputArb, pumpedArb), { minLength: 8, maxLength: 8 }), (p, inputs) => {
        const r = re2(p);
        if (!r) return;
        valid++;
        const v = analyzeRegex(p);
        const js = "source" in v ? new RegExp(v.source, "u") : undefined;
        if (js) accepted++;
        for (const s of inputs) {
          const want = r.test(s);
          if (js) expect(js.test(s), `${p} on ${JSON.stringify(s)}`).toBe(want);
          expect(compileRegex(p).test(s), `${p} on ${JSON.stringify(s)}`).toBe(want);
        }
      }),
      { numRuns: 600 },
    );
    // the property is not vacuous: many valid patterns, a good share of them on the fast path
    expect(valid).toBeGreaterThan(250);
    expect(accepted).toBeGreaterThan(valid / 10);
  });

  it("find/findAll offsets from the JS RegExp equal the Pike VM's", () => {
    fc.assert(
      fc.property(patternArb(false), fc.array(fc.oneof(inputArb, pumpedArb), { minLength: 6, maxLength: 6 }), (p, inputs) => {
        const r = re2(p);
        if (!r) return;
        const fast = compileFind(p);
        if (!fast.js) return;
        const vm = { re2: fast.re2, js: undefined };
        for (const s of inputs) expect(goFindAll(fast, s, -1), `${p} on ${JSON.stringify(s)}`).toEqual(goFindAll(vm, s, -1));
      }),
      { numRuns: 600 },
    );
  });

  it("the Pike VM finds a match exactly when RE2 does, for any pattern", () => {
    fc.assert(
      fc.property(patternArb(true), fc.array(fc.oneof(inputArb, pumpedArb), { minLength: 8, maxLength: 8 }), (p, inputs) => {
        const r = re2(p);
        if (!r) return;
        for (const s of inputs) {
          const m = pikeFind(r.re2(), s, 0);
          expect(m !== undefined, `${p} on ${JSON.stringify(s)}`).toBe(r.test(s));
          // the match found is a match: RE2 accepts exactly that slice, anchored at both ends
          if (m && !/\\[bBAz]|\^|\$|\(\?/.test(p)) expect(RE2JS.compile(`^(?:${p})$`).test(s.slice(m[0], m[1])), `${p} on ${JSON.stringify(s)}`).toBe(true);
        }
      }),
      { numRuns: 600 },
    );
  });

  it("reproduces Go's leftmost-first offsets on known cases", () => {
    expect(find("hello world", "o w|wor")).toBe("o w");
    expect(find("aaa", "a*?")).toBe("");
    expect(find("abab", "(ab)+?")).toBe("ab");
    expect(find("abab", "(ab)+")).toBe("abab");
    expect(find("xabcx", "a|ab|abc")).toBe("a");
    expect(find("foo bar", "\\bbar")).toBe("bar");
    expect(findAll("ab\ncd", "(?m)^[a-z]")).toEqual(["a", "c"]);
    expect(findAll("xaxbx", "x*")).toEqual(["x", "x", "x"]);
    expect(findAll("a😀b😀", ".")).toEqual(["a", "😀", "b", "😀"]);
    expect(findAll("Straße STRASSE", "(?i)stra")).toEqual(["Stra", "STRA"]);
  });
});

// ---------------------------------------------------------------- linear backtracking

/** Positions of the pattern with counted repetition expanded (the states a counting backtracker can be in). */
function expandedPositions(n: RegexNode): number {
  switch (n.k) {
    case "set":
      return 1;
    case "cat":
      return n.items.reduce((a, x) => a + expandedPositions(x), 0);
    case "alt":
      return n.alts.reduce((a, x) => a + expandedPositions(x), 0);
    case "rep":
      return expandedPositions(n.node) * Math.max(1, n.max === -1 ? n.min + 1 : n.max);
    default:
      return 0;
  }
}

const inSet = (r: readonly number[], c: number): boolean => {
  for (let i = 0; i < r.length; i += 2) if (c >= r[i]! && c <= r[i + 1]!) return true;
  return false;
};

class TooMany extends Error {}

/**
 * A backtracking matcher in the manner of irregexp (alternatives in order, greedy/lazy loops with counters, empty
 * iterations refused), made to fail at the end so it explores every path. Returns the number of character tests.
 */
function backtrackingSteps(tree: RegexNode, input: string, cap: number): number {
  const s = Array.from(input, (c) => c.codePointAt(0)!);
  let steps = 0;
  const m = (n: RegexNode, i: number, k: (j: number) => boolean): boolean => {
    switch (n.k) {
      case "empty":
        return k(i);
      case "set":
        if (++steps > cap) throw new TooMany();
        return i < s.length && inSet(n.ranges, s[i]!) && k(i + 1);
      case "bol":
        return i === 0 && k(i);
      case "eol":
        return i === s.length && k(i);
      case "cat": {
        const go = (j: number, idx: number): boolean => (idx === n.items.length ? k(j) : m(n.items[idx]!, j, (j2) => go(j2, idx + 1)));
        return go(i, 0);
      }
      case "alt":
        return n.alts.some((a) => m(a, i, k));
      case "rep": {
        const loop = (j: number, count: number): boolean => {
          const more = (): boolean => (n.max === -1 || count < n.max) && m(n.node, j, (j2) => j2 !== j && loop(j2, count + 1));
          const exit = (): boolean => count >= n.min && k(j);
          return n.lazy ? exit() || more() : more() || exit();
        };
        return loop(i, 0);
      }
    }
  };
  for (let start = 0; start <= s.length; start++) m(tree, start, () => false);
  return steps;
}

describe("accepted patterns backtrack linearly", () => {
  it("a simulated backtracker does at most (positions + 1)² × (length + 1) character tests on them", () => {
    let checked = 0;
    fc.assert(
      fc.property(patternArb(false), fc.array(fc.oneof(pumpedArb, inputArb), { minLength: 6, maxLength: 6 }), (p, inputs) => {
        if (!re2(p) || !("source" in analyzeRegex(p))) return;
        const tree = parseRegexSubset(p)!;
        const m = expandedPositions(tree) + 1; // + the any-character position of an unanchored search
        checked++;
        for (const s of inputs) {
          const bound = (m + 1) ** 2 * (Array.from(s).length + 1);
          expect(backtrackingSteps(tree, s, bound * 4), `${p} on ${JSON.stringify(s)}`).toBeLessThanOrEqual(bound);
        }
      }),
      { numRuns: 2000 },
    );
    expect(checked).toBeGreaterThan(100);
  });

  it.each([
    ["(a|a)*b", "a".repeat(24)],
    ["^(a+)+$", `${"a".repeat(24)}!`],
    ["^(\\w+\\s?)*$", `${"ab".repeat(12)}!`],
    ["a+b", "a".repeat(200)],
  ])("the simulation does see the blow-up of the rejected %s (the check has teeth)", (p, input) => {
    const tree = parseRegexSubset(p)!;
    const bound = (expandedPositions(tree) + 2) ** 2 * (input.length + 1);
    expect(() => backtrackingSteps(tree, input, bound * 4)).toThrow(TooMany);
  });
});
