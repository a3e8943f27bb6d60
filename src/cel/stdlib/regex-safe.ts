// A linear-time JS RegExp for RE2 patterns where one can be proven to exist (the fast path of `matches`/`find`).
// RE2 guarantees time linear in the input; a backtracking engine (V8's irregexp) does not. This module accepts a
// pattern only when both hold:
//  1. Same answers. The pattern is in a conservative RE2 subset — literals, `.`, classes (ranges, negation, Perl
//     \d\w\s and their negations, POSIX [:name:]), groups ((…), (?:…), (?P<n>…), (?<n>…)), alternation, the
//     quantifiers * + ? {n} {n,} {n,m} (greedy or lazy), and `^`/`\A` only first and `$`/`\z` only last at top
//     level; no flags, no \b, \p, \Q, octal, back-references or lookaround. It is re-emitted from its parse (not
//     passed through) as a JS source with the `u` flag: every literal and class as explicit code points, `.` as
//     [^\n], \s as [\t\n\f\r ], groups as (?:…). RE2 without flags and JS with only `u` then agree on the meaning
//     of every construct, so they recognise the same language; `$` is end of text in both (no `m` flag).
//  2. No super-linear backtracking. A backtracking matcher does work proportional to the number of distinct
//     partial paths it explores. Two conditions keep that number at most (positions + 1) × (input length + 1),
//     each path trying at most `positions` next characters:
//     (a) ε-unambiguity: between two consumed characters there is exactly one route through the pattern — no
//         quantifier over a nullable operand, at most one nullable branch per alternation, and no follow edge
//         contributed twice (nested loops such as `(a+)+` or `(\w+\s?)*` give `a`→`a` from both loops);
//     (b) prefix-unambiguity of the position (Glushkov) automaton of `^P`, or of `[\s\S]*P` when P is not
//         anchored (the backtracker retries P at every start, which explores exactly the runs of `[\s\S]*P`): no
//         two different runs on the same input may end in the same position. It is decided on the pair
//         automaton: a reachable pair of different positions that can step into one common position is a
//         violation. Counted repetition is analysed as a loop: by (a) a run of the loop form determines where
//         it looped back, so distinct runs of the expanded form (a{2,3} = aa(a)?) stay distinct — conservative.
//         Nested stars (`(a+)+`), overlapping alternatives under repetition (`(a|a)*`) and
//         unanchored self-overlapping patterns (`a+b`) are all rejected; the usual Kubernetes shapes
//         (`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, `^registry\.example\.com/.+:[0-9.]+$`) are accepted.
// Anything outside the subset or over the size limits gets undefined: the caller keeps RE2.

/** A set of code points as sorted, disjoint, non-adjacent inclusive ranges [lo0, hi0, lo1, hi1, …]. */
type Ranges = number[];

/** The parse of a pattern in the supported subset (exported for the tests' backtracking simulation). */
export type RegexNode = Node;

type Node =
  | { readonly k: "empty" }
  | { readonly k: "set"; readonly ranges: Ranges }
  | { readonly k: "cat"; readonly items: readonly Node[] }
  | { readonly k: "alt"; readonly alts: readonly Node[] }
  | { readonly k: "rep"; readonly node: Node; readonly min: number; readonly max: number; readonly lazy: boolean }
  | { readonly k: "bol" }
  | { readonly k: "eol" };

const MAX_RUNE = 0x10ffff;
const MAX_PATTERN = 1000;
const MAX_POSITIONS = 256;
const MAX_PAIR_STEPS = 200_000;

class Unsupported extends Error {}
const unsupported = (): never => {
  throw new Unsupported();
};

// ---------------------------------------------------------------- code point sets

function normalize(r: Ranges): Ranges {
  const pairs: [number, number][] = [];
  for (let i = 0; i < r.length; i += 2) pairs.push([r[i]!, r[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n && lo <= out[n - 1]! + 1) out[n - 1] = Math.max(out[n - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

function negate(r: Ranges): Ranges {
  const n = normalize(r);
  const out: Ranges = [];
  let next = 0;
  for (let i = 0; i < n.length; i += 2) {
    if (n[i]! > next) out.push(next, n[i]! - 1);
    next = n[i + 1]! + 1;
  }
  if (next <= MAX_RUNE) out.push(next, MAX_RUNE);
  return out;
}

function intersects(a: Ranges, b: Ranges): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i + 1]! < b[j]!) i += 2;
    else if (b[j + 1]! < a[i]!) j += 2;
    else return true;
  }
  return false;
}

const cp = (c: string): number => c.codePointAt(0)!;
const range = (lo: string, hi: string): Ranges => [cp(lo), cp(hi)];
const DIGIT: Ranges = range("0", "9");
const WORD: Ranges = normalize([...DIGIT, ...range("A", "Z"), ...range("a", "z"), cp("_"), cp("_")]);
const SPACE: Ranges = normalize([9, 10, 12, 13, 32, 32]); // RE2 \s: [\t\n\f\r ]
const ANY_NOT_NL: Ranges = [0, 9, 11, MAX_RUNE];
const POSIX: Record<string, Ranges> = {
  alnum: normalize([...DIGIT, ...range("A", "Z"), ...range("a", "z")]),
  alpha: normalize([...range("A", "Z"), ...range("a", "z")]),
  ascii: [0, 0x7f],
  blank: [9, 9, 32, 32],
  cntrl: [0, 0x1f, 0x7f, 0x7f],
  digit: DIGIT,
  graph: range("!", "~"),
  lower: range("a", "z"),
  print: range(" ", "~"),
  punct: normalize([...range("!", "/"), ...range(":", "@"), ...range("[", "`"), ...range("{", "~")]),
  space: [9, 13, 32, 32],
  upper: range("A", "Z"),
  word: WORD,
  xdigit: normalize([...DIGIT, ...range("A", "F"), ...range("a", "f")]),
};
const PERL: Record<string, Ranges> = { d: DIGIT, D: negate(DIGIT), w: WORD, W: negate(WORD), s: SPACE, S: negate(SPACE) };
const CONTROL: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
const isPunct = (c: string): boolean => /^[!-/:-@[-`{-~]$/.test(c);
const isHex = (s: string): boolean => /^[0-9A-Fa-f]+$/.test(s);

// ---------------------------------------------------------------- parser (RE2 syntax subset)

const REPEAT = /^\{(\d+)(,(\d*))?\}/;

class Parser {
  i = 0;
  constructor(readonly p: string) {}

  parse(): Node {
    const n = this.alt();
    if (this.i < this.p.length) unsupported(); // a stray ')': RE2 rejects it anyway
    return n;
  }

  private alt(): Node {
    const alts = [this.cat()];
    while (this.p[this.i] === "|") {
      this.i++;
      alts.push(this.cat());
    }
    return alts.length === 1 ? alts[0]! : { k: "alt", alts };
  }

  private cat(): Node {
    const items: Node[] = [];
    while (this.i < this.p.length && this.p[this.i] !== "|" && this.p[this.i] !== ")") items.push(this.repeat());
    return items.length === 0 ? { k: "empty" } : items.length === 1 ? items[0]! : { k: "cat", items };
  }

  private repeat(): Node {
    const node = this.atom();
    const q = this.quantifier();
    if (!q) return node;
    if (node.k === "bol" || node.k === "eol") unsupported();
    const lazy = this.p[this.i] === "?";
    if (lazy) this.i++;
    if (this.quantifierAhead()) unsupported(); // nested repetition (RE2 rejects `a**`; never guess)
    return { k: "rep", node, min: q[0], max: q[1], lazy };
  }

  private quantifierAhead(): boolean {
    const c = this.p[this.i];
    return c === "*" || c === "+" || c === "?" || (c === "{" && REPEAT.test(this.p.slice(this.i)));
  }

  /** [min, max] with max -1 for unbounded, or undefined when no quantifier follows. */
  private quantifier(): [number, number] | undefined {
    const c = this.p[this.i];
    if (c === "*" || c === "+" || c === "?") {
      this.i++;
      return c === "*" ? [0, -1] : c === "+" ? [1, -1] : [0, 1];
    }
    if (c !== "{") return undefined;
    const m = REPEAT.exec(this.p.slice(this.i));
    if (!m) return undefined; // a literal `{` (RE2 reads it so)
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
    if (min > 1000 || max > 1000 || (max >= 0 && max < min)) unsupported();
    this.i += m[0].length;
    return [min, max];
  }

  private atom(): Node {
    const p = this.p;
    const c = p[this.i]!;
    switch (c) {
      case "(":
        return this.group();
      case "[":
        return this.charClass();
      case ".":
        this.i++;
        return { k: "set", ranges: ANY_NOT_NL };
      case "^":
        this.i++;
        return { k: "bol" };
      case "$":
        this.i++;
        return { k: "eol" };
      case "\\":
        return this.escape();
      case "*":
      case "+":
      case "?":
        return unsupported();
      case "{":
        if (REPEAT.test(p.slice(this.i))) unsupported();
        break;
    }
    const v = this.literal();
    return { k: "set", ranges: [v, v] };
  }

  /** One literal code point (a lone surrogate is refused: its meaning differs between engines). */
  private literal(): number {
    const v = this.p.codePointAt(this.i)!;
    if (v >= 0xd800 && v <= 0xdfff) unsupported();
    this.i += v > 0xffff ? 2 : 1;
    return v;
  }

  private group(): Node {
    const p = this.p;
    this.i++;
    if (p[this.i] === "?") {
      const named = /^\?P?<[A-Za-z0-9_]+>/.exec(p.slice(this.i));
      if (p[this.i + 1] === ":") this.i += 2;
      else if (named) this.i += named[0].length;
      else unsupported(); // flags, lookaround, …
    }
    const n = this.alt();
    if (p[this.i] !== ")") unsupported();
    this.i++;
    return n;
  }

  /** An escape outside a class: a Perl class, \A / \z, or one code point. */
  private escape(): Node {
    const n = this.p[this.i + 1];
    if (n === "A" || n === "z") {
      this.i += 2;
      return { k: n === "A" ? "bol" : "eol" };
    }
    const perl = n !== undefined ? PERL[n] : undefined;
    if (perl) {
      this.i += 2;
      return { k: "set", ranges: perl };
    }
    const v = this.escapedChar();
    return { k: "set", ranges: [v, v] };
  }

  /** \t \n \r \f \v \a, \xHH, \x{H…}, or escaped punctuation. */
  private escapedChar(): number {
    const p = this.p;
    const n = p[this.i + 1];
    if (n === undefined) return unsupported();
    if (n in CONTROL) {
      this.i += 2;
      return CONTROL[n]!;
    }
    if (n === "x") {
      if (p[this.i + 2] === "{") {
        const e = p.indexOf("}", this.i + 3);
        const hex = e < 0 ? "" : p.slice(this.i + 3, e);
        if (!isHex(hex) || hex.length > 8) return unsupported();
        const v = parseInt(hex, 16);
        if (v > MAX_RUNE || (v >= 0xd800 && v <= 0xdfff)) return unsupported();
        this.i = e + 1;
        return v;
      }
      const hex = p.slice(this.i + 2, this.i + 4);
      if (hex.length !== 2 || !isHex(hex)) return unsupported();
      this.i += 4;
      return parseInt(hex, 16);
    }
    if (isPunct(n)) {
      this.i += 2;
      return cp(n);
    }
    return unsupported();
  }

  private charClass(): Node {
    const p = this.p;
    this.i++;
    const neg = p[this.i] === "^";
    if (neg) this.i++;
    const start = this.i;
    const acc: Ranges = [];
    for (;;) {
      if (this.i >= p.length) return unsupported();
      const c = p[this.i]!;
      if (c === "]" && this.i > start) break;
      if (c === "[" && p[this.i + 1] === ":") {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(p.slice(this.i));
        const set = m ? POSIX[m[2]!] : undefined;
        if (!m || !set) return unsupported();
        acc.push(...(m[1] ? negate(set) : set));
        this.i += m[0].length;
        continue;
      }
      if (c === "\\" && PERL[p[this.i + 1] ?? ""]) {
        acc.push(...PERL[p[this.i + 1]!]!);
        this.i += 2;
        continue;
      }
      if (c === "-" && this.i > start && p[this.i + 1] !== "]") return unsupported(); // `-` only first or last
      const lo = this.classChar();
      if (p[this.i] === "-" && p[this.i + 1] !== "]" && this.i + 1 < p.length) {
        this.i++;
        if (p[this.i] === "[" || (p[this.i] === "\\" && PERL[p[this.i + 1] ?? ""])) return unsupported();
        const hi = this.classChar();
        if (hi < lo) return unsupported();
        acc.push(lo, hi);
      } else acc.push(lo, lo);
    }
    this.i++; // ]
    const set = normalize(acc);
    return { k: "set", ranges: neg ? negate(set) : set };
  }

  private classChar(): number {
    return this.p[this.i] === "\\" ? this.escapedChar() : this.literal();
  }
}

// ---------------------------------------------------------------- analysis

/** The Glushkov (position) automaton of a pattern, built on the loop form of every repetition. */
class Positions {
  readonly sets: Ranges[] = [];
  readonly follow: Set<number>[] = [];

  add(ranges: Ranges): number {
    if (this.sets.length >= MAX_POSITIONS) unsupported();
    this.sets.push(ranges);
    this.follow.push(new Set());
    return this.sets.length - 1;
  }

  /** A follow edge. Each must arise once: an edge added by two nodes (`(a+)+`: the inner and the outer loop both
   *  lead from `a` back to `a`) is two routes between the same positions, which a backtracker explores separately. */
  private edge(from: number, to: number): void {
    const f = this.follow[from]!;
    if (f.has(to)) unsupported();
    f.add(to);
  }

  /** first/last positions and nullability of `n`, adding follow edges; enforces ε-unambiguity. */
  build(n: Node): { first: number[]; last: number[]; nullable: boolean } {
    switch (n.k) {
      case "empty":
        return { first: [], last: [], nullable: true };
      case "bol":
      case "eol":
        return unsupported(); // anchors inside the pattern
      case "set": {
        const p = this.add(n.ranges);
        return { first: [p], last: [p], nullable: false };
      }
      case "cat": {
        let first: number[] = [];
        let last: number[] = [];
        let nullable = true;
        for (const item of n.items) {
          const b = this.build(item);
          for (const l of last) for (const f of b.first) this.edge(l, f);
          if (nullable) first = first.concat(b.first);
          last = b.nullable ? last.concat(b.last) : b.last;
          nullable &&= b.nullable;
        }
        return { first, last, nullable };
      }
      case "alt": {
        const bs = n.alts.map((a) => this.build(a));
        if (bs.filter((b) => b.nullable).length > 1) unsupported(); // two ε-routes
        return { first: bs.flatMap((b) => b.first), last: bs.flatMap((b) => b.last), nullable: bs.some((b) => b.nullable) };
      }
      case "rep": {
        const b = this.build(n.node);
        if (b.nullable) unsupported(); // ε-loops / two ε-routes
        if (n.max !== 1) for (const l of b.last) for (const f of b.first) this.edge(l, f);
        return { first: b.first, last: b.last, nullable: n.min === 0 };
      }
    }
  }
}

/**
 * Whether two different runs of the automaton (state -1 = start, `initial` its successors) can read the same input
 * and end in the same position. Undefined when the pair search exceeds its budget.
 */
function prefixAmbiguous(pos: Positions, initial: readonly number[]): boolean | undefined {
  const m = pos.sets.length;
  const next = (s: number): readonly number[] => (s < 0 ? initial : [...pos.follow[s]!]);
  const succ: (readonly number[])[] = [];
  for (let s = 0; s < m; s++) succ.push(next(s));
  const meet = new Map<number, boolean>();
  const overlap = (a: number, b: number): boolean => {
    const key = a < b ? a * m + b : b * m + a;
    let v = meet.get(key);
    if (v === undefined) meet.set(key, (v = intersects(pos.sets[a]!, pos.sets[b]!)));
    return v;
  };
  // pairs of different positions reachable by one input from the start (stored with a < b)
  const seen = new Uint8Array(m * m);
  const queue: number[] = [];
  let steps = 0;
  const pushPair = (a: number, b: number): void => {
    const key = a < b ? a * m + b : b * m + a;
    if (!seen[key]) {
      seen[key] = 1;
      queue.push(a, b);
    }
  };
  // from a single state (diagonal), two different successors on a common character split the runs
  const split = (s: number): void => {
    const n = s < 0 ? initial : succ[s]!;
    for (let x = 0; x < n.length; x++) {
      for (let y = x + 1; y < n.length; y++) {
        steps++;
        if (overlap(n[x]!, n[y]!)) pushPair(n[x]!, n[y]!);
      }
    }
  };
  // forks from the start and from every position (a superset of the reachable ones: conservative)
  split(-1);
  for (let s = 0; s < m; s++) split(s);
  for (let q = 0; q < queue.length; q += 2) {
    if (steps > MAX_PAIR_STEPS) return undefined;
    const a = succ[queue[q]!]!;
    const b = succ[queue[q + 1]!]!;
    for (const x of a) {
      for (const y of b) {
        steps++;
        if (!overlap(x, y)) continue;
        if (x === y) return true; // two runs merge
        pushPair(x, y);
      }
    }
  }
  return false;
}

// ---------------------------------------------------------------- emission

function hex(v: number): string {
  return `\\u{${v.toString(16)}}`;
}

function emitSet(r: Ranges): string {
  if (r.length === 2 && r[0] === r[1]) {
    const c = String.fromCodePoint(r[0]!);
    return /^[0-9A-Za-z]$/.test(c) ? c : hex(r[0]!);
  }
  let out = "[";
  for (let i = 0; i < r.length; i += 2) out += r[i] === r[i + 1] ? hex(r[i]!) : `${hex(r[i]!)}-${hex(r[i + 1]!)}`;
  return `${out}]`;
}

function emit(n: Node): string {
  switch (n.k) {
    case "empty":
      return "";
    case "set":
      return emitSet(n.ranges);
    case "cat":
      return n.items.map((x) => (x.k === "alt" ? `(?:${emit(x)})` : emit(x))).join("");
    case "alt":
      return n.alts.map(emit).join("|");
    case "rep": {
      const q = n.min === 0 && n.max === -1 ? "*" : n.min === 1 && n.max === -1 ? "+" : n.min === 0 && n.max === 1 ? "?" : n.max === -1 ? `{${n.min},}` : n.min === n.max ? `{${n.min}}` : `{${n.min},${n.max}}`;
      return `${n.node.k === "set" ? emit(n.node) : `(?:${emit(n.node)})`}${q}${n.lazy ? "?" : ""}`;
    }
    case "bol":
      return "^";
    case "eol":
      return "$";
  }
}

// ---------------------------------------------------------------- entry point

/** The parse of `pattern` when it is in the supported subset (anchors still in place), else undefined. */
export function parseRegexSubset(pattern: string): RegexNode | undefined {
  try {
    return new Parser(pattern).parse();
  } catch (e) {
    if (e instanceof Unsupported) return undefined;
    throw e;
  }
}

/** The verdict on one pattern: the JS source (flag `u`) when it is safe, else why not (for tests and reports). */
export type SafeRegexVerdict = { readonly source: string; readonly anchored: boolean } | { readonly rejected: string };

/**
 * Decide whether a (valid) RE2 pattern has an equivalent JS RegExp that cannot backtrack super-linearly.
 * The pattern must already have compiled with RE2: syntax errors are RE2's to report.
 */
export function analyzeRegex(pattern: string): SafeRegexVerdict {
  if (pattern.length > MAX_PATTERN) return { rejected: "pattern too long" };
  let tree: Node;
  try {
    tree = new Parser(pattern).parse();
  } catch (e) {
    if (e instanceof Unsupported) return { rejected: "construct outside the supported subset" };
    throw e;
  }
  const items = tree.k === "cat" ? [...tree.items] : [tree];
  const bol = items[0]?.k === "bol";
  if (bol) items.shift();
  const eol = items.length > 0 && items[items.length - 1]!.k === "eol";
  if (eol) items.pop();
  const body: Node = items.length === 1 ? items[0]! : items.length === 0 ? { k: "empty" } : { k: "cat", items };
  const pos = new Positions();
  let initial: number[];
  try {
    // unanchored: the backtracker's retry at every start explores the runs of [\s\S]*P
    const any = bol ? -1 : pos.add([0, MAX_RUNE]);
    const b = pos.build(body);
    initial = b.first;
    if (any >= 0) {
      for (const f of b.first) pos.follow[any]!.add(f);
      pos.follow[any]!.add(any);
      initial = [any, ...b.first];
    }
  } catch (e) {
    if (e instanceof Unsupported) return { rejected: "two routes between positions (nested loops, ambiguous empty matches), an inner anchor, or too many positions" };
    throw e;
  }
  const amb = prefixAmbiguous(pos, initial);
  if (amb === undefined) return { rejected: "analysis budget exceeded" };
  if (amb) return { rejected: "ambiguous: a backtracking engine could take super-linear time" };
  const src = `${bol ? "^" : ""}${body.k === "alt" ? `(?:${emit(body)})` : emit(body)}${eol ? "$" : ""}`;
  return { source: src, anchored: bol };
}

const cache = new Map<string, RegExp | null>();

/** The safe JS RegExp for an RE2 pattern (flag `u`, plus `flags`), or undefined; verdicts are cached. */
export function safeRegExp(pattern: string, flags = ""): RegExp | undefined {
  const key = `${flags}\u0000${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    const v = analyzeRegex(pattern);
    re = null;
    if ("source" in v) {
      try {
        re = new RegExp(v.source, `u${flags}`);
      } catch {
        re = null;
      }
    }
    if (cache.size >= 4096) cache.clear();
    cache.set(key, re);
  }
  return re ?? undefined;
}
