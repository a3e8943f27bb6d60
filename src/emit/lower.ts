// Rule model → CEL syntax tree. Owns the absent-field semantics of every leaf (true / false / evaluation error),
// optional chaining (`object.?spec.?hostNetwork.orValue(false)`) where the target environment has optionals
// (≥ 1.28) and `has()` guards below that, the call vocabulary, typed comparisons, quantifiers (incl. map entries,
// element index and exactly-one), runtime kind tests (`type(dyn(x)) == string`) and local bindings (inlined; repeated
// pieces become VAP variables in hoist.ts). The typed `request` root is never guarded, except its omitempty list/map
// fields (`userInfo.groups`, `userInfo.extra`: "no such key" when empty).
import type { AuthzCheck, CallFn, CompareAs, Json, Path, Pred, Root, Segment, StringPattern, Val, ValueKind } from "../ir/model.js";
import { valPaths } from "../ir/model.js";
import { C, type CExpr } from "./ast.js";
import { globToRe2, isSafeIdent, literalKind, re2Escape } from "./literal.js";

export interface LowerOptions {
  /** Kubernetes CEL environment version ("1.35" = what a 1.36 API server accepts for new expressions). */
  envVersion: string;
}

/** A construct the target environment cannot express; converters turn it into a named gap. */
export class LowerError extends Error {}

interface Ctx {
  opts: LowerOptions;
  optionals: boolean;
  twoVar: boolean;
  /** Local names (let, map-entry values without two-variable macros) replaced by an expression. */
  subst: Map<string, CExpr>;
  /** Comprehension variables in scope (a fresh name must not shadow them). */
  bound: string[];
}

const minorOf = (v: string): number => Number(/^1\.(\d+)/.exec(v)?.[1] ?? "0");

export function context(opts: LowerOptions): Ctx {
  const m = minorOf(opts.envVersion);
  return { opts, optionals: m >= 28, twoVar: m >= 32, subst: new Map(), bound: [] };
}

// ---------------------------------------------------------------------------------------------------------------
// Paths

function rootExpr(r: Root, ctx: Ctx): CExpr {
  switch (r.k) {
    case "var":
      return ctx.subst.get(r.name) ?? C.id(r.name);
    case "variable":
      return C.sel(C.id("variables"), r.name);
    default:
      return C.id(r.k);
  }
}

/** Typed roots: every field is selectable, never guarded. */
const typed = (r: Root): boolean => r.k === "request";

function segExpr(of: CExpr, s: Segment, opt: boolean, ctx: Ctx): CExpr {
  switch (s.k) {
    case "field":
      return C.sel(of, s.name, opt);
    case "key":
      return C.idx(of, C.lit(s.key), opt);
    case "index":
      return C.idx(of, lowerVal(s.at, ctx), opt);
    case "each":
      throw new LowerError("[*] must be lowered to a quantifier before emission");
  }
}

/** Plain access (errors when a segment is absent). */
export function access(p: Path, ctx: Ctx): CExpr {
  return p.segs.reduce((of, s) => {
    const e = segExpr(of, s, false, ctx);
    return typed(p.root) && e.t === "sel" ? { ...e, typed: true } : e;
  }, rootExpr(p.root, ctx));
}

/** Optional access `root.?a.?b` (type optional); only with optionals. */
function optAccess(p: Path, ctx: Ctx): CExpr {
  return p.segs.reduce((of, s) => segExpr(of, s, true, ctx), rootExpr(p.root, ctx));
}

/** AdmissionRequest fields that are `omitempty` lists/maps of a typed root: absent ("no such key") when empty. */
const OMITTED_WHEN_EMPTY = new Set(["userInfo.groups", "userInfo.extra"]);
const fieldNames = (p: Path): string => p.segs.map((s) => (s.k === "field" ? s.name : "?")).join(".");

/** True when some segment of the path can be absent. */
const guarded = (p: Path): boolean => (typed(p.root) ? OMITTED_WHEN_EMPTY.has(fieldNames(p)) : p.segs.length > 0);

/** Presence of every prefix of `p`: `has()` / `in` chain, or `.?…hasValue()` with optionals. */
export function presence(p: Path, ctx: Ctx): CExpr {
  if (!guarded(p)) return C.T;
  if (ctx.optionals && p.segs.length > 1) return C.method(optAccess(p, ctx), "hasValue");
  const parts: CExpr[] = [];
  for (let i = 0; i < p.segs.length; i++) {
    const parent = access({ root: p.root, segs: p.segs.slice(0, i) }, ctx);
    const s = p.segs[i]!;
    // has() takes a field selection only: a name that is not an identifier is tested as a map key
    if (s.k === "field" && isSafeIdent(s.name)) parts.push(C.call("has", [C.sel(parent, s.name)]));
    else if (s.k === "field") parts.push(C.bin("in", C.lit(s.name), parent));
    else if (s.k === "key") parts.push(C.bin("in", C.lit(s.key), parent));
    else if (s.k === "index" && s.at.k === "lit" && typeof s.at.value === "number") parts.push(C.bin(">", C.call("size", [parent]), C.lit(s.at.value)));
    // a computed key or position: `x[?k]` is present for a map's key and a list's index in range alike (`k in x`
    // would test a list's elements)
    else if (s.k === "index" && ctx.optionals) parts.push(C.method(C.idx(parent, lowerVal(s.at, ctx), true), "hasValue"));
    else if (s.k === "index") parts.push(C.bin("in", lowerVal(s.at, ctx), parent));
    else throw new LowerError("[*] in a presence test");
  }
  return C.and(...parts);
}

/** `p` if present, else `fallback`. */
function orElse(p: Path, fallback: CExpr, ctx: Ctx): CExpr {
  if (!guarded(p)) return access(p, ctx);
  // `orValue(null)` would type as null (or not type-check on a typed optional): dyn(null) keeps the value's type open
  const fb = fallback.t === "lit" && fallback.v === null ? C.call("dyn", [fallback]) : fallback;
  if (ctx.optionals) return C.method(optAccess(p, ctx), "orValue", fb);
  return C.cond(presence(p, ctx), access(p, ctx), fallback);
}

// ---------------------------------------------------------------------------------------------------------------
// Values

/** RE2 metacharacters a glob's other characters are escaped from (`*` and `?` become `.*` and `.`). */
const RE2_META = ["\\", ".", "+", "(", ")", "|", "[", "]", "{", "}", "^", "$"];

/**
 * The anchored RE2 of a glob computed at run time: per character (`split('')`, joined back; env ≥ 1.29 for
 * `join`), else as a chain of replacements (backslash first). Both always give a valid RE2.
 */
function globRegexExpr(s: CExpr, ctx: Ctx): CExpr {
  let body: CExpr;
  if (minorOf(ctx.opts.envVersion) >= 29) {
    const ch = C.id("ch");
    // `'\\.+()|[]{}^$'.contains(ch)`: ch is one character (split('') gives code points, never ''), so it is a
    // metacharacter exactly when the string of them contains it (shorter than `ch in [...]`)
    const escaped = C.cond(C.method(C.lit(RE2_META.join("")), "contains", ch), C.bin("+", C.lit("\\"), ch), ch);
    const each = C.cond(C.bin("==", ch, C.lit("*")), C.lit(".*"), C.cond(C.bin("==", ch, C.lit("?")), C.lit("."), escaped));
    body = C.method(C.macro(C.method(s, "split", C.lit("")), "map", ["ch"], [each]), "join");
  } else {
    body = s;
    for (const m of RE2_META) body = C.method(body, "replace", C.lit(m), C.lit(`\\${m}`));
    body = C.method(C.method(body, "replace", C.lit("*"), C.lit(".*")), "replace", C.lit("?"), C.lit("."));
  }
  return C.bin("+", C.bin("+", C.lit("(?s)^"), body), C.lit("$"));
}

const CALLS: Record<Exclude<CallFn, "globRegex">, (a: CExpr[]) => CExpr> = {
  size: (a) => C.call("size", a),
  string: (a) => C.call("string", a),
  int: (a) => C.call("int", a),
  double: (a) => C.call("double", a),
  bool: (a) => C.call("bool", a),
  lower: ([s]) => C.method(s!, "lowerAscii"),
  upper: ([s]) => C.method(s!, "upperAscii"),
  trim: ([s]) => C.method(s!, "trim"),
  startsWith: ([s, x]) => C.method(s!, "startsWith", x!),
  endsWith: ([s, x]) => C.method(s!, "endsWith", x!),
  contains: ([s, x]) => C.method(s!, "contains", x!),
  split: ([s, sep]) => C.method(s!, "split", sep!),
  join: ([l, sep]) => (sep ? C.method(l!, "join", sep) : C.method(l!, "join")),
  replace: ([s, a, b]) => C.method(s!, "replace", a!, b!),
  substring: ([s, ...r]) => C.method(s!, "substring", ...r),
  indexOf: ([s, x]) => C.method(s!, "indexOf", x!),
  matches: ([s, re]) => C.method(s!, "matches", re!),
  find: ([s, re]) => C.method(s!, "find", re!),
  quantity: (a) => C.call("quantity", a),
  duration: (a) => C.call("duration", a),
  format: ([t, l]) => C.method(t!, "format", l!),
  keys: ([m]) => C.macro(m!, "map", ["k"], [C.id("k")]),
  values: ([m]) => C.macro(m!, "map", ["k"], [C.idx(m!, C.id("k"))]),
  distinct: ([l]) => C.method(l!, "distinct"),
  sort: ([l]) => C.method(l!, "sort"),
  sum: ([l]) => C.method(l!, "sum"),
  isQuantity: (a) => C.call("isQuantity", a),
  approxFloat: ([s]) => C.method(C.call("quantity", [s!]), "asApproximateFloat"),
  divide: ([a, b]) => C.bin("/", a!, b!),
  add: ([a, b]) => C.bin("+", a!, b!),
  sub: ([a, b]) => C.bin("-", a!, b!),
  mul: ([a, b]) => C.bin("*", a!, b!),
  dyn: (a) => C.call("dyn", a),
};

/** Calls the Kubernetes CEL environment gained after 1.0: the environment version that has them. */
const CALL_SINCE: Partial<Record<CallFn, number>> = { distinct: 34, sort: 34, quantity: 28, isQuantity: 28, approxFloat: 28 };

function callExpr(fn: CallFn, args: CExpr[], ctx: Ctx): CExpr {
  const since = CALL_SINCE[fn];
  if (since !== undefined && minorOf(ctx.opts.envVersion) < since) throw new LowerError(`${fn}() needs CEL environment 1.${since} (Kubernetes 1.${since + 1})`);
  return fn === "globRegex" ? globRegexExpr(args[0]!, ctx) : CALLS[fn](args);
}

/** A value with plain access (absent paths error); `default` values fall back. */
export function lowerVal(v: Val, ctx: Ctx): CExpr {
  switch (v.k) {
    case "lit":
      return C.lit(v.value);
    case "path":
      return access(v.path, ctx);
    case "default": {
      const fb = lowerVal(v.fallback, ctx);
      if (v.of.k === "path") return orElse(v.of.path, fb, ctx);
      const ps = valPaths(v.of);
      if (!ps.length) return lowerVal(v.of, ctx);
      return C.cond(C.and(...ps.map((p) => presence(p, ctx))), lowerVal(v.of, ctx), fb);
    }
    case "call":
      return callExpr(v.fn, v.args.map((a) => lowerVal(a, ctx)), ctx);
    case "list":
      return C.list(v.items.map((x) => lowerVal(x, ctx)));
    case "map":
      return { t: "map", entries: v.entries.map(([k, x]) => mapEntry(k, x, ctx)) };
    case "concat":
      return v.lists.map((l) => lowerVal(l, ctx)).reduce((a, b) => C.bin("+", a, b));
    case "strcat":
      return v.parts.map((x) => (x.k === "lit" && typeof x.value === "string" ? C.lit(x.value) : stringOf(lowerVal(x, ctx)))).reduce((a, b) => C.bin("+", a, b));
    case "project":
      return C.macro(lowerVal(v.list, ctx), "map", [v.v], [binding(ctx, [v.v], () => lowerVal(v.body, ctx))]);
    case "filter":
      return C.macro(lowerVal(v.list, ctx), "filter", [v.v], [binding(ctx, [v.v], () => lowerPred(v.pred, ctx))]);
    case "cond":
      return C.cond(lowerPred(v.test, ctx), lowerVal(v.then, ctx), lowerVal(v.else, ctx));
    case "let":
      if (v.ifAbsent) return letOr(v, v.ifAbsent, ctx);
      return withSubst(ctx, v.name, lowerVal(v.value, ctx), () => lowerVal(v.body, ctx));
    case "raw":
      return C.id(`(${v.cel})`);
  }
}

/** `let` with a fallback: `x.?a.optMap(name, body).orValue(fallback)`, or `has(…) ? body : fallback` without optionals. */
function letOr(v: Extract<Val, { k: "let" }>, ifAbsent: Val, ctx: Ctx): CExpr {
  const fb = lowerVal(ifAbsent, ctx);
  const opt = ctx.optionals ? optionalOf(v.value, ctx) : undefined;
  if (opt) return C.method(C.macro(opt, "optMap", [v.name], [binding(ctx, [v.name], () => withSubst(ctx, v.name, C.id(v.name), () => lowerVal(v.body, ctx)))]), "orValue", fb);
  const body = withSubst(ctx, v.name, lowerVal(v.value, ctx), () => lowerVal(v.body, ctx));
  return absentable(v.value) ? C.cond(presenceOf(v.value, ctx), body, fb) : body;
}

/** A map literal entry; one whose value can be absent is left out then (`?key: x.?a.?b`, needs optionals). */
function mapEntry(k: string, x: Val, ctx: Ctx): { key: CExpr; value: CExpr; opt?: boolean } {
  if (!absentable(x)) return { key: C.lit(k), value: lowerVal(x, ctx) };
  const opt = ctx.optionals ? optionalOf(x, ctx) : undefined;
  if (!opt) throw new LowerError(`map entry ${k}: a value that can be absent needs optional entries (CEL environment 1.28)`);
  return { key: C.lit(k), value: opt, opt: true };
}

/** Methods whose receiver is a string and whose result is a string (`s.replace(a, b)`). */
const STRING_METHODS = new Set(["replace", "lowerAscii", "upperAscii", "trim", "substring"]);

/** `string(x)` unless x is already a string literal or concatenation, or a string-valued call. */
function stringOf(e: CExpr): CExpr {
  if (e.t === "lit" && typeof e.v === "string") return e;
  if (e.t === "call" && (e.fn === "string" || e.fn === "join" || e.fn === "lowerAscii" || e.fn === "upperAscii")) return e;
  if (e.t === "call" && e.target !== undefined && STRING_METHODS.has(e.fn)) return e;
  return C.call("string", [e]);
}

function withSubst<T>(ctx: Ctx, name: string, e: CExpr, f: () => T): T {
  const prev = ctx.subst.get(name);
  ctx.subst.set(name, e);
  try {
    return f();
  } finally {
    if (prev) ctx.subst.set(name, prev);
    else ctx.subst.delete(name);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Leaves

type Leaf = Extract<Pred, { k: "cmp" | "in" | "match" | "truthy" | "kind" | "quant" }>;

/** CEL type identifiers of the runtime kinds. */
const KIND_TYPE: Record<ValueKind, string> = { null: "null_type", bool: "bool", int: "int", uint: "uint", double: "double", string: "string", bytes: "bytes", list: "list", map: "map" };

/** `type(dyn(x)) == <kind>`: dyn keeps the comparison well-typed whatever x's static type. */
const kindTest = (x: CExpr, kind: ValueKind): CExpr => C.bin("==", C.call("type", [C.call("dyn", [x])]), C.id(KIND_TYPE[kind]));

function compare(l: CExpr, op: string, r: CExpr, as: CompareAs | undefined, ctx: Ctx): CExpr {
  if (as === "quantity" && minorOf(ctx.opts.envVersion) < 28) throw new LowerError("quantity comparisons need CEL environment 1.28 (Kubernetes 1.29)");
  // before 1.28 the environment has no cross-type numeric comparisons: compare as doubles
  if (as === "number" && minorOf(ctx.opts.envVersion) < 28) return C.bin(op as "==", C.call("double", [l]), C.call("double", [r]));
  if (as === "quantity") return C.bin(op as "==", C.method(C.call("quantity", [l]), "compareTo", C.call("quantity", [r])), C.lit(0));
  if (as === "duration") return C.bin(op as "==", C.call("duration", [l]), C.call("duration", [r]));
  return C.bin(op as "==", l, r);
}

function patternExpr(s: CExpr, p: StringPattern): CExpr {
  switch (p.k) {
    case "exact":
      return C.bin("==", s, C.lit(p.value));
    // empty patterns still read the value (an absent one errors under ifAbsent "error")
    case "prefix":
      return C.method(s, "startsWith", C.lit(p.prefix));
    case "suffix":
      return C.method(s, "endsWith", C.lit(p.suffix));
    case "substring":
      return C.method(s, "contains", C.lit(p.value));
    case "regex":
      return C.method(s, "matches", C.lit(p.re));
    case "glob": {
      const g = p.glob;
      if (!/[*?]/.test(g)) return C.bin("==", s, C.lit(g));
      if (g === "*") return C.method(s, "startsWith", C.lit(""));
      const stars = g.split("*").length - 1;
      if (!g.includes("?") && stars === 1 && g.endsWith("*")) return C.method(s, "startsWith", C.lit(g.slice(0, -1)));
      if (!g.includes("?") && stars === 1 && g.startsWith("*")) return C.method(s, "endsWith", C.lit(g.slice(1)));
      return C.method(s, "matches", C.lit(globToRe2(g)));
    }
  }
}

/** Membership in a literal list, keeping list literals homogeneous. */
function inList(x: CExpr, values: Json[]): CExpr {
  if (values.length === 0) return C.F;
  if (values.length === 1) return C.bin("==", x, C.lit(values[0]!));
  if (new Set(values.map(literalKind)).size === 1) return C.bin("in", x, C.lit(values));
  return C.or(...values.map((v) => C.bin("==", x, C.lit(v))));
}

/** The test of a leaf on an already lowered operand `x` (the leaf's first value), rest lowered plainly. */
function leafTest(p: Leaf, x: CExpr, ctx: Ctx): CExpr {
  switch (p.k) {
    case "cmp":
      return compare(x, p.op, lowerVal(p.rhs, ctx), p.as, ctx);
    case "in":
      return p.list.k === "lit" && Array.isArray(p.list.value) ? inList(x, p.list.value) : C.bin("in", x, lowerVal(p.list, ctx));
    case "match":
      return patternExpr(x, p.pattern);
    case "truthy":
      return x;
    case "kind":
      return kindTest(x, p.kind);
    case "quant":
      return quantifier(p, x, ctx);
  }
}

/** The operand of a leaf whose absence decides it (for `in` with a literal value: the list). */
function leafOperand(p: Leaf): Val {
  switch (p.k) {
    case "cmp":
      return p.lhs;
    case "in":
      return p.value.k === "lit" ? p.list : p.value;
    case "match":
    case "truthy":
    case "kind":
      return p.value;
    case "quant":
      return p.over;
  }
}

/** Rebuild the leaf's test with the subject replaced (for `in` with a literal value the subject is the list). */
function testOn(p: Leaf, x: CExpr, ctx: Ctx): CExpr {
  if (p.k === "in" && p.value.k === "lit") return C.bin("in", C.lit(p.value.value), x);
  return leafTest(p, x, ctx);
}

/** Evaluate a leaf statically on a literal subject; undefined when it cannot be decided here. */
function staticTest(p: Leaf, lit: Json, ctx: Ctx): boolean | undefined {
  const e = testOn(p, C.lit(lit), ctx);
  return evalConst(e);
}

/** Tiny constant evaluator for the default-value trick (literals, ==, !=, <…, in, startsWith, size). */
function evalConst(e: CExpr): boolean | undefined {
  if (e.t === "lit" && typeof e.v === "boolean") return e.v;
  if (e.t === "bin" && e.l.t === "lit" && e.r.t === "lit") {
    const a = e.l.v;
    const b = e.r.v;
    if (e.op === "in" && Array.isArray(b)) return b.some((x) => x === a);
    if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string" && typeof a !== "boolean")) return undefined;
    switch (e.op) {
      case "==":
        return a === b;
      case "!=":
        return a !== b;
      case "<":
        return (a as number) < (b as number);
      case "<=":
        return (a as number) <= (b as number);
      case ">":
        return (a as number) > (b as number);
      case ">=":
        return (a as number) >= (b as number);
      default:
        return undefined;
    }
  }
  if (e.t === "call" && e.target?.t === "lit" && typeof e.target.v === "string" && e.args.length === 1 && e.args[0]!.t === "lit") {
    const s = e.target.v;
    const a = e.args[0]!.v as string;
    if (e.fn === "startsWith") return s.startsWith(a);
    if (e.fn === "endsWith") return s.endsWith(a);
    if (e.fn === "contains") return s.includes(a);
  }
  if (e.t === "call" && e.target?.t === "lit" && Array.isArray(e.target.v) && e.target.v.length === 0) {
    if (e.fn === "all") return true;
    if (e.fn === "exists" || e.fn === "exists_one" || e.fn === "existsOne") return false;
  }
  if (e.t === "and") return e.of.every((x) => evalConst(x) === true) ? true : e.of.some((x) => evalConst(x) === false) ? false : undefined;
  if (e.t === "or") return e.of.some((x) => evalConst(x) === true) ? true : e.of.every((x) => evalConst(x) === false) ? false : undefined;
  if (e.t === "not") {
    const v = evalConst(e.of);
    return v === undefined ? undefined : !v;
  }
  return undefined;
}

/** Candidate defaults for `orValue(D)`, in order of readability, by the kind of the literal compared against. */
function candidates(p: Leaf): Json[] {
  if (p.k === "quant") return p.entries ? [{}] : [[]];
  if (p.k === "truthy") return [false, true];
  if (p.k === "kind") return [];
  if (p.k === "in" && p.value.k === "lit") return [[]];
  if (p.k === "match") return [""];
  const rhs = p.k === "cmp" ? p.rhs : p.k === "in" ? p.list : undefined;
  const lit = rhs?.k === "lit" ? rhs.value : undefined;
  if (typeof lit === "boolean") return [false, true];
  if (typeof lit === "number" && Number.isInteger(lit)) return [0, lit, lit - 1, lit + 1];
  if (typeof lit === "string") return ["", lit];
  if (Array.isArray(lit) && lit.length && lit.every((x) => typeof x === "string")) return [""];
  if (Array.isArray(lit) && lit.length && lit.every((x) => typeof x === "number")) return [0, -1];
  return [];
}

/** Can this value be absent (a guarded path, or a default whose fallback can be absent)? */
function absentable(v: Val): boolean {
  if (v.k === "path") return guarded(v.path);
  if (v.k === "default") return absentable(v.fallback);
  return valPaths(v).some(guarded);
}

/** Presence of a value: every path it reads (a default: its value or its fallback). */
function presenceOf(v: Val, ctx: Ctx): CExpr {
  if (v.k === "path") return presence(v.path, ctx);
  if (v.k === "default") return absentable(v.fallback) ? C.or(presenceOf(v.of, ctx), presenceOf(v.fallback, ctx)) : C.T;
  return C.and(...dedupe(valPaths(v).filter(guarded)).map((p) => presence(p, ctx)));
}

/** The value as an optional (`x.?a.?b`, defaults chained with `.or()`), when it is a path or a chain of paths. */
function optionalOf(v: Val, ctx: Ctx): CExpr | undefined {
  if (v.k === "path") return guarded(v.path) ? optAccess(v.path, ctx) : undefined;
  if (v.k === "default" && absentable(v.fallback)) {
    const a = optionalOf(v.of, ctx);
    const b = optionalOf(v.fallback, ctx);
    return a && b ? C.method(a, "or", b) : undefined;
  }
  return undefined;
}

/** A value-reading leaf with its absent semantics. */
function lowerLeaf(p: Leaf, ctx: Ctx): CExpr {
  const subj = leafOperand(p);
  if (p.ifAbsent === "error" || !absentable(subj) && !otherPaths(p).some(guarded)) return testOn(p, lowerVal(subj, ctx), ctx);
  const others = otherPaths(p).filter(guarded);
  const opt = ctx.optionals && !others.length ? optionalOf(subj, ctx) : undefined;
  if (opt) {
    // `x.?a.?b.orValue(D) <test>` when some default D gives the absent answer, else `.optMap(v, <test>).orValue(…)`
    const d = candidates(p).find((c) => staticTest(p, c, ctx) === p.ifAbsent);
    if (d !== undefined) return testOn(p, C.method(opt, "orValue", C.lit(d)), ctx);
    const v = freshName(ctx);
    return C.method(C.macro(opt, "optMap", [v], [binding(ctx, [v], () => testOn(p, C.id(v), ctx))]), "orValue", C.lit(p.ifAbsent));
  }
  if (!ctx.optionals && !others.length && subj.k === "path" && (p.k === "quant" || p.k === "in")) {
    const d = candidates(p).find((c) => staticTest(p, c, ctx) === p.ifAbsent);
    if (d !== undefined) return testOn(p, orElse(subj.path, C.lit(d), ctx), ctx);
  }
  const pres = C.and(presenceOf(subj, ctx), ...dedupe(others).map((x) => presence(x, ctx)));
  const test = testOn(p, lowerVal(subj, ctx), ctx);
  return p.ifAbsent ? C.or(C.not(pres), test) : C.and(pres, test);
}

function dedupe(ps: Path[]): Path[] {
  const seen = new Set<string>();
  return ps.filter((p) => {
    const k = JSON.stringify(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function otherPaths(p: Leaf): Path[] {
  switch (p.k) {
    case "cmp":
      return valPaths(p.rhs);
    case "in":
      return p.value.k === "lit" ? [] : valPaths(p.list);
    default:
      return [];
  }
}

/** Lower `f` with comprehension variables `vars` in scope. */
function binding<T>(ctx: Ctx, vars: (string | undefined)[], f: () => T): T {
  const n = ctx.bound.length;
  for (const v of vars) if (v) ctx.bound.push(v);
  try {
    return f();
  } finally {
    ctx.bound.length = n;
  }
}

function freshName(ctx: Ctx): string {
  const used = new Set([...ctx.subst.keys(), ...ctx.bound]);
  for (const n of ["x", "y", "z", "w"]) if (!used.has(n)) return n;
  return `x${used.size}`;
}

function quantifier(p: Extract<Pred, { k: "quant" }>, over: CExpr, ctx: Ctx): CExpr {
  const macro = p.q === "all" ? "all" : p.q === "any" ? "exists" : p.index !== undefined ? "existsOne" : "exists_one";
  const body = (): CExpr => binding(ctx, [p.v, p.index], () => lowerPred(p.body, ctx));
  if (p.index === undefined) return C.macro(over, macro, [p.v], [body()]);
  if (ctx.twoVar) {
    // two-variable form: lists bind (index, element), maps (key, value); the model names them (v, index) for maps
    const vars = p.entries ? [p.v, p.index] : [p.index, p.v];
    return C.macro(over, macro, vars, [body()]);
  }
  if (p.entries) {
    const index = p.index;
    const body = withSubst(ctx, index, C.idx(over, C.id(p.v)), () => binding(ctx, [p.v], () => lowerPred(p.body, ctx)));
    return C.macro(over, macro === "existsOne" ? "exists_one" : macro, [p.v], [body]);
  }
  throw new LowerError("quantifier with an element index needs two-variable comprehensions (Kubernetes ≥ 1.33)");
}

function authzExpr(a: AuthzCheck, ctx: Ctx): CExpr {
  let e: CExpr = C.id("authorizer");
  if (a.subject.k === "serviceAccount") e = C.method(e, "serviceAccount", lowerVal(a.subject.namespace, ctx), lowerVal(a.subject.name, ctx));
  e = C.method(C.method(e, "group", C.lit(a.group)), "resource", C.lit(a.resource));
  if (a.subresource) e = C.method(e, "subresource", C.lit(a.subresource));
  if (a.namespace) e = C.method(e, "namespace", lowerVal(a.namespace, ctx));
  if (a.name !== undefined) e = C.method(e, "name", C.lit(a.name));
  return C.method(C.method(e, "check", C.lit(a.verb)), "allowed");
}

// ---------------------------------------------------------------------------------------------------------------
// Predicates

/** Leaves whose subject path contains `[*]` become an `all` quantifier over the list before it. */
function lowerEach(p: Leaf): Pred | undefined {
  const subj = leafOperand(p);
  if (subj.k !== "path") return undefined;
  const at = subj.path.segs.findIndex((s) => s.k === "each");
  if (at < 0) return undefined;
  const v = `e${at}`;
  const inner: Val = { k: "path", path: { root: { k: "var", name: v }, segs: subj.path.segs.slice(at + 1) } };
  const body = (p.k === "cmp" ? { ...p, lhs: inner } : p.k === "in" && p.value.k === "lit" ? { ...p, list: inner } : p.k === "quant" ? { ...p, over: inner } : { ...p, value: inner }) as Pred;
  return { k: "quant", q: "all", over: { k: "path", path: { root: subj.path.root, segs: subj.path.segs.slice(0, at) } }, v, body, ifAbsent: true };
}

export function lowerPred(p: Pred, ctx: Ctx): CExpr {
  switch (p.k) {
    case "const":
      return C.lit(p.value);
    case "and":
      return C.and(...p.of.map((x) => lowerPred(x, ctx)));
    case "or":
      return C.or(...p.of.map((x) => lowerPred(x, ctx)));
    case "not":
      return C.not(lowerPred(p.of, ctx));
    case "present":
      return presence(p.path, ctx);
    case "cmp":
    case "in":
    case "match":
    case "truthy":
    case "kind":
    case "quant": {
      const each = lowerEach(p);
      return each ? lowerPred(each, ctx) : lowerLeaf(p, ctx);
    }
    case "authz":
      return authzExpr(p.check, ctx);
    case "let":
      return withSubst(ctx, p.name, lowerVal(p.value, ctx), () => lowerPred(p.body, ctx));
    case "raw":
      return C.id(`(${p.cel})`);
  }
}

export { re2Escape };
