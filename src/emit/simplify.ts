// Simplification of the emitter's CEL tree, bottom-up: constant folding of boolean connectives, negations,
// conditionals and literal comparisons; flattening and de-duplication of `&&`/`||` chains; list concatenation of
// literals; quantifiers with constant bodies. Every rewrite keeps CEL's semantics including errors (a rewrite that
// could drop an error is applied only where the operand cannot error: literals and `orValue` defaults).
import { C, isConst, key, mapChildren, type CExpr } from "./ast.js";
import { parseQuantity } from "../cel/k8s/quantity.js";
import { compileRegex } from "../cel/stdlib/regex.js";
import { literalKind } from "./literal.js";

/** Expressions that cannot raise an evaluation error on any input. */
function safe(e: CExpr): boolean {
  if (e.t === "lit" || e.t === "id") return true;
  if (e.t === "list") return e.items.every(safe);
  return e.t === "call" && e.fn === "orValue" && e.args.length === 1 && safe(e.args[0]!) && e.target !== undefined && optChainSafe(e.target);
}

/** `x.?a.?b` chains (and `optional.*` values) never error when their base is an identifier. */
function optChainSafe(e: CExpr): boolean {
  if (e.t === "sel" || e.t === "idx") return !!e.opt && (e.t === "idx" ? safe(e.key) : true) && (e.of.t === "id" || optChainSafe(e.of));
  return false;
}

function junction(kind: "and" | "or", of: CExpr[]): CExpr {
  const unit = kind === "and";
  const out: CExpr[] = [];
  const seen = new Set<string>();
  for (const x of of) {
    if (isConst(x, unit)) continue;
    if (isConst(x, !unit)) return x;
    for (const y of x.t === kind ? x.of : deMorgan(kind, x)) {
      const k = key(y);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(y);
    }
  }
  const kept = dropImpliedGuards(kind, out);
  if (kept.length === 0) return C.lit(unit);
  if (kept.length === 1) return kept[0]!;
  return { t: kind, of: kept };
}

// ---------------------------------------------------------------------------------------------------------------
// Presence guards implied by a longer optional chain beside them: in `has(x.a) && x.?a.?b.hasValue()` the first
// conjunct is implied by the second (and dually `!has(x.a) || !x.?a.?b.hasValue()`). Dropping it is exact, errors
// included: the longer chain walks the same steps, so where it errors the guard errors or holds, and where it holds
// the guard holds. A `has()` guard counts only on a known map (`has()` on a string is false, `.?` on it an error). Steps are compared by name; a step the guard reads with `.?` must be `.?` in the chain too
// (`x.a.?b` errors where `x.?a.hasValue()` is false), and so must the step the guard tests.

interface Step {
  name: string;
  opt: boolean;
}

/** `id.a.?b[?'k']…` as its base and steps (literal keys only); undefined for anything else. */
function chainOf(e: CExpr): { base: string; steps: Step[] } | undefined {
  if (e.t === "id") return { base: e.name, steps: [] };
  if (e.t === "sel") {
    const c = chainOf(e.of);
    return c && { base: c.base, steps: [...c.steps, { name: `.${e.field}`, opt: !!e.opt }] };
  }
  if (e.t === "idx" && e.key.t === "lit" && typeof e.key.v === "string") {
    const c = chainOf(e.of);
    return c && { base: c.base, steps: [...c.steps, { name: `[${e.key.v}]`, opt: !!e.opt }] };
  }
  return undefined;
}

/** `id` or `id.a.b` as text (plain selections only). */
function plainText(e: CExpr): string | undefined {
  if (e.t === "id") return e.name;
  if (e.t === "sel" && !e.opt) {
    const of = plainText(e.of);
    return of === undefined ? undefined : `${of}.${e.field}`;
  }
  return undefined;
}

/**
 * The chain a presence test proves present: `x.?a.hasValue()`, or `has(x.a)` (its last step tested, as if `.?`)
 * where x is a known map — `has()` of a field of a string is false, where `x.?a` is an error.
 */
function presenceChain(e: CExpr): { base: string; steps: Step[] } | undefined {
  if (e.t === "call" && e.fn === "has" && !e.target && e.args.length === 1 && e.args[0]!.t === "sel" && !e.args[0]!.opt && knownMaps.has(plainText(e.args[0]!.of) ?? "")) {
    const c = chainOf(e.args[0]!);
    return c && { base: c.base, steps: [...c.steps.slice(0, -1), { ...c.steps[c.steps.length - 1]!, opt: true }] };
  }
  if (e.t === "call" && e.fn === "hasValue" && e.target && e.args.length === 0) {
    const c = chainOf(e.target);
    return c && c.steps.length && c.steps[c.steps.length - 1]!.opt ? c : undefined;
  }
  return undefined;
}

/** Does presence of `longer` imply presence of `guard`, with no error `guard` could give where `longer` does not? */
function implies(longer: { base: string; steps: Step[] }, guard: { base: string; steps: Step[] }): boolean {
  if (longer.base !== guard.base || longer.steps.length < guard.steps.length) return false;
  return guard.steps.every((g, i) => g.name === longer.steps[i]!.name && (!g.opt || longer.steps[i]!.opt));
}

function dropImpliedGuards(kind: "and" | "or", of: CExpr[]): CExpr[] {
  if (of.length < 2) return of;
  // in `&&` the tests themselves, in `||` their negations
  const chains = of.map((x) => (kind === "and" ? presenceChain(x) : x.t === "not" ? presenceChain(x.of) : undefined));
  if (chains.filter(Boolean).length < 2) return of;
  return of.filter((_, i) => {
    const g = chains[i];
    if (!g) return true;
    return !chains.some((c, j) => j !== i && c && implies(c, g) && (c.steps.length > g.steps.length || j < i));
  });
}

/** Inside `&&`, `!(a || b)` is `!a && !b` (and dually), so shared negated parts de-duplicate. */
function deMorgan(kind: "and" | "or", x: CExpr): CExpr[] {
  const inner = kind === "and" ? "or" : "and";
  if (x.t !== "not" || x.of.t !== inner) return [x];
  return x.of.of.map((y) => step(C.not(y)));
}

const NEGATE: Record<string, "==" | "!=" | undefined> = { "==": "!=", "!=": "==" };

function step(e: CExpr): CExpr {
  switch (e.t) {
    case "and":
    case "or":
      return junction(e.t, e.of);
    case "not": {
      const x = e.of;
      if (x.t === "lit" && typeof x.v === "boolean") return C.lit(!x.v);
      if (x.t === "not") return x.of;
      if (x.t === "bin" && NEGATE[x.op]) return { ...x, op: NEGATE[x.op]! };
      return e;
    }
    case "cond":
      if (isConst(e.test, true)) return e.then;
      if (isConst(e.test, false)) return e.else;
      if (isConst(e.then, true) && isConst(e.else, false)) return e.test;
      if (key(e.then) === key(e.else) && safe(e.test)) return e.then;
      // `t ? a : (t ? b : c)`: the inner test repeats the outer one
      if (e.else.t === "cond" && key(e.else.test) === key(e.test)) return { ...e, else: e.else.else };
      // `t ? (t ? a : b) : c`: likewise
      if (e.then.t === "cond" && key(e.then.test) === key(e.test)) return { ...e, then: e.then.then };
      return e;
    case "bin":
      return foldBin(e);
    case "call":
      return foldCall(e);
    default:
      return e;
  }
}

/** Expressions whose value, when they have one, is a bool. */
function surelyBool(e: CExpr): boolean {
  switch (e.t) {
    case "lit":
      return typeof e.v === "boolean";
    case "not":
    case "and":
    case "or":
      return true;
    case "bin":
      return ["==", "!=", "<", "<=", ">", ">=", "in"].includes(e.op);
    case "cond":
      return surelyBool(e.then) && surelyBool(e.else);
    case "call":
      return e.target !== undefined
        ? ["hasValue", "startsWith", "endsWith", "matches", "all", "exists", "exists_one", "existsOne"].includes(e.fn)
        : e.fn === "has" || e.fn === "isQuantity";
    default:
      return false;
  }
}

/** `c ? a : b` compared with a literal, pushed into the branches where one of them then folds to a constant. */
function pushCompare(e: Extract<CExpr, { t: "bin" }>): CExpr | undefined {
  if (e.op !== "==" && e.op !== "!=") return undefined;
  const [c, x] = e.l.t === "cond" && e.r.t === "lit" ? [e.l, e.r] : e.r.t === "cond" && e.l.t === "lit" ? [e.r, e.l] : [];
  if (!c || c.t !== "cond" || !x) return undefined;
  const then = step(C.bin(e.op, c.then, x));
  const otherwise = step(C.bin(e.op, c.else, x));
  // only when both comparisons fold away (a comparison left in a branch could lose the `dyn` typing of the whole)
  const folded = (x: CExpr): boolean => !(x.t === "bin" && (x.op === "==" || x.op === "!="));
  return folded(then) && folded(otherwise) ? step(C.cond(c.test, then, otherwise)) : undefined;
}

function foldBin(e: Extract<CExpr, { t: "bin" }>): CExpr {
  const { l, r } = e;
  // `b == true` is b, `b == false` is !b for a bool b (an error stays an error)
  if ((e.op === "==" || e.op === "!=") && r.t === "lit" && typeof r.v === "boolean" && surelyBool(l)) return (e.op === "==") === r.v ? l : step(C.not(l));
  const pushed = pushCompare(e);
  if (pushed) return pushed;
  // merged list literals must stay homogeneous: only literals of one kind merge
  if (e.op === "+" && l.t === "list" && r.t === "list" && oneKind([...l.items, ...r.items])) return C.list([...l.items, ...r.items]);
  // `[] + x` is x only when x is surely a list (otherwise the concatenation's type error must stay)
  if (e.op === "+" && l.t === "list" && l.items.length === 0 && surelyList(r)) return r;
  if (e.op === "+" && r.t === "list" && r.items.length === 0 && surelyList(l)) return l;
  if (e.op === "+" && l.t === "lit" && r.t === "lit" && typeof l.v === "string" && typeof r.v === "string") return C.lit(l.v + r.v);
  // a list is never null (when it evaluates at all)
  const isList = (x: CExpr): boolean => (x.t === "list" && safe(x)) || (x.t === "lit" && Array.isArray(x.v));
  if ((e.op === "==" || e.op === "!=") && ((isList(l) && unDyn(r).t === "lit" && (unDyn(r) as { v: unknown }).v === null) || (isList(r) && unDyn(l).t === "lit" && (unDyn(l) as { v: unknown }).v === null))) return C.lit(e.op === "!=");
  const [lv, rv] = [unDyn(l), unDyn(r)];
  if (lv.t === "lit" && rv.t === "lit" && (e.op === "==" || e.op === "!=") && isScalarOrNull(lv.v) && isScalarOrNull(rv.v) && (typeof lv.v === typeof rv.v || lv.v === null || rv.v === null))
    return C.lit((lv.v === rv.v) === (e.op === "=="));
  const keys = e.op === "in" ? identityMap(r) : undefined;
  if (keys) return { ...e, r: keys };
  if (e.op === "in" && r.t === "list" && r.items.length === 0 && safe(l)) return C.F;
  if (e.op === "in" && r.t === "list" && r.items.length === 1) return C.bin("==", l, r.items[0]!);
  if (e.op === "in" && r.t === "lit" && Array.isArray(r.v) && r.v.length === 1) return C.bin("==", l, C.lit(r.v[0]!));
  return e;
}

/** Expressions that always produce a list (or error on their own). */
function surelyList(e: CExpr): boolean {
  if (e.t === "list" || (e.t === "lit" && Array.isArray(e.v))) return true;
  if (e.t === "call" && ["map", "filter", "transformList", "split", "distinct", "sort", "keys"].includes(e.fn)) return true;
  if (e.t === "call" && e.fn === "orValue" && e.args[0] !== undefined && surelyList(e.args[0])) return true;
  if (e.t === "bin" && e.op === "+") return surelyList(e.l) || surelyList(e.r);
  if (e.t === "cond") return surelyList(e.then) && surelyList(e.else);
  return false;
}

/** One static type for every item: literals of one kind, or field reads of untyped objects (all `dyn`). */
function oneKind(items: CExpr[]): boolean {
  const kinds = new Set(items.map((x) => (x.t === "lit" ? literalKind(x.v) : (x.t === "sel" || x.t === "idx") && !(x.t === "sel" && x.typed) && !x.opt ? "dyn" : "expr")));
  return kinds.size <= 1 && !kinds.has("expr");
}

/** `dyn(literal)` is the literal for comparisons (CEL's heterogeneous equality: null equals only null). */
const unDyn = (e: CExpr): CExpr => (e.t === "call" && e.fn === "dyn" && !e.target && e.args.length === 1 && e.args[0]!.t === "lit" ? e.args[0]! : e);

const isScalarOrNull = (v: unknown): boolean => v === null || isScalar(v);

const isScalar = (v: unknown): boolean => typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isInteger(v));

const strLit = (e: CExpr | undefined): string | undefined => (e?.t === "lit" && typeof e.v === "string" ? e.v : undefined);

/** RE2 `s.matches(re)` of two literals (undefined for an invalid pattern: its error stays for the checker). */
function literalMatch(s: string, re: string): boolean | undefined {
  try {
    return compileRegex(re).test(s);
  } catch {
    return undefined;
  }
}

function literalIsQuantity(s: string): boolean {
  try {
    parseQuantity(s);
    return true;
  } catch {
    return false;
  }
}

/** `xs.map(k, k)`: the list itself, or a map's keys — what `in` looks through either way. */
function identityMap(e: CExpr): CExpr | undefined {
  // through a conditional whose other branch is the empty list (`has(x.m) ? x.m.map(k, k) : []`)
  if (e.t === "cond") {
    const then = identityMap(e.then);
    const empty = (e.else.t === "list" && e.else.items.length === 0) || (e.else.t === "lit" && Array.isArray(e.else.v) && e.else.v.length === 0);
    return then && empty ? { ...e, then } : undefined;
  }
  if (e.t !== "call" || e.fn !== "map" || !e.target || e.args.length !== 2) return undefined;
  const [v, body] = e.args as [CExpr, CExpr];
  // only a field (dyn): `c in x` on a comprehension variable could bind its element type to a list of c's type,
  // which the checker then refuses field selections on (`map(k, k)` leaves it open)
  return v.t === "id" && body.t === "id" && body.name === v.name && e.target.t === "sel" ? e.target : undefined;
}

/** `xs.exists(v, v == c)` for a literal c: `c in xs` (== never errors; on a map both look at the keys). */
function existsEqual(e: Extract<CExpr, { t: "call" }>): CExpr | undefined {
  if (e.fn !== "exists" || !e.target || e.args.length !== 2) return undefined;
  const [v, body] = e.args as [CExpr, CExpr];
  if (v.t !== "id" || body.t !== "bin" || body.op !== "==") return undefined;
  const isVar = (x: CExpr): boolean => x.t === "id" && x.name === v.name;
  const c = isVar(body.l) ? body.r : isVar(body.r) ? body.l : undefined;
  return c && c.t === "lit" && (typeof c.v === "string" || typeof c.v === "boolean" || (typeof c.v === "number" && Number.isInteger(c.v))) ? C.bin("in", c, e.target) : undefined;
}

function foldCall(e: Extract<CExpr, { t: "call" }>): CExpr {
  const asIn = existsEqual(e);
  if (asIn) return step(asIn);
  // pure functions of literals (constant propagation, e.g. the old object's re-check on a null old object, leaves
  // them; the checker would refuse `duration('')` in a branch they guard)
  const [s0, a0] = [strLit(e.target), strLit(e.args[0])];
  if (e.fn === "matches" && s0 !== undefined && a0 !== undefined && e.args.length === 1) {
    const m = literalMatch(s0, a0);
    if (m !== undefined) return C.lit(m);
  }
  if (e.fn === "isQuantity" && !e.target && e.args.length === 1 && a0 !== undefined) return C.lit(literalIsQuantity(a0));
  const body = e.args[e.args.length - 1];
  if (e.target && body && (e.fn === "all" || e.fn === "exists") && e.args.length === 2 && body.t === "lit" && typeof body.v === "boolean") {
    const t = e.target;
    if (e.fn === "all" && body.v) return safe(t) ? C.T : e;
    if (e.fn === "exists" && !body.v) return safe(t) ? C.F : e;
    // all(v, false): empty; exists(v, true): non-empty
    return e.fn === "all" ? C.bin("==", C.call("size", [t]), C.lit(0)) : C.bin(">", C.call("size", [t]), C.lit(0));
  }
  if (e.fn === "size" && !e.target && e.args.length === 1 && e.args[0]!.t === "list" && e.args[0]!.items.every(safe)) return C.lit(e.args[0]!.items.length);
  if (e.fn === "orValue" && e.target?.t === "call" && e.target.fn === "of" && e.target.target?.t === "id" && e.target.target.name === "optional") return e.target.args[0]!;
  return e;
}

/** Expressions known to be maps whenever they evaluate (`object`, and variables the caller vouches for), by key. */
let knownMaps: ReadonlySet<string> = new Set();

/** Simplify bottom-up until nothing changes (each step only shrinks the tree). */
export function simplify(e: CExpr): CExpr {
  return simplifyWith(e, []);
}

/** `simplify` knowing that the expressions `maps` (CEL text) are maps whenever they have a value. */
export function simplifyWith(e: CExpr, maps: readonly string[]): CExpr {
  const prev = knownMaps;
  knownMaps = new Set(["object", ...maps]);
  try {
    return simplifyFix(e);
  } finally {
    knownMaps = prev;
  }
}

function simplifyFix(e: CExpr): CExpr {
  const once = (x: CExpr): CExpr => step(mapChildren(x, once));
  let cur = e;
  for (let i = 0; i < 8; i++) {
    const next = once(cur);
    if (key(next) === key(cur)) return next;
    cur = next;
  }
  return cur;
}
