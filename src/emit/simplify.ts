// Simplification of the emitter's CEL tree, bottom-up: constant folding of boolean connectives, negations,
// conditionals and literal comparisons; flattening and de-duplication of `&&`/`||` chains; list concatenation of
// literals; quantifiers with constant bodies; negations pushed into quantifiers and chains where shorter;
// conditionals whose test cannot err as `&&`/`||`. With the types of the names an expression reads (src/emit/schema.ts,
// typing.ts: comprehension variables are typed by their range as the walk descends): typed leaves (`string(b) ==
// 'false'` of a bool is `!b`), presence tests of maps, Kyverno's number comparisons on ints. Chains and conditionals
// over optional reads are shortened in shorten.ts. Every rewrite keeps CEL's semantics including errors (a rewrite
// that could drop an error is applied only where the operand cannot error, or where another operand errs wherever
// it did).
import { C, freeIds, isConst, key, MACROS, macroVars, mapChildren, type CExpr } from "./ast.js";
import { parseQuantity } from "../cel/k8s/quantity.js";
import { parseDuration } from "../cel/stdlib/time.js";
import { compileRegex } from "../cel/stdlib/regex.js";
import { literalKind } from "./literal.js";
import { isListType, isMapType, mayBeNull, neverNull, optValue, scalarType, type Ty } from "./schema.js";
import { chainOf, condIntoDefault, guardedOptional, mustError, plainOf, shortenJunction, strictlyReads, substitute, type ShortenCtx, type Step } from "./shorten.js";
import { flat } from "./unparse.js";
import { macroBindings, typeOf } from "./typing.js";

/** Expressions that cannot raise an evaluation error on any input. */
function safe(e: CExpr): boolean {
  if (e.t === "lit" || e.t === "id") return true;
  if (e.t === "list") return e.items.every(safe);
  return e.t === "call" && e.fn === "orValue" && e.args.length === 1 && safe(e.args[0]!) && e.target !== undefined && optChainSafe(e.target);
}

/** `x.?a.?b` chains that never error: each `.?`/`[?k]` step is taken on a map whenever it has a value (a known map
 *  identifier, then a field typed as a map: `.?` on a string or a list is an error). */
function optChainSafe(e: CExpr): boolean {
  if (e.t !== "sel" && e.t !== "idx") return false;
  if (!e.opt || (e.t === "idx" && !safe(e.key))) return false;
  return e.of.t === "id" ? isMapExpr(e.of) : optChainSafe(e.of) && isMapType(optValue(tyOf(e.of)));
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
  const kept = shortenJunction(kind, dropImpliedGuards(kind, out), shortenCtx);
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
  const o = guardedOptional(e, shortenCtx);
  return o && chainOf(o);
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
      // (by more than a character: `!(…)` around what a negation cannot flip reads worse than one `!` outside)
      const pushed = pushNot(x);
      return pushed && flat(pushed).length < flat(e).length - 1 ? pushed : e;
    }
    case "cond":
      if (isConst(e.test, true)) return e.then;
      if (isConst(e.test, false)) return e.else;
      if (isConst(e.then, true) && isConst(e.else, false)) return e.test;
      // (`?:` errs on a test that is no bool: the test must be one that cannot fail)
      if (key(e.then) === key(e.else) && safe(e.test) && surelyBool(e.test)) return e.then;
      // `t ? a : (t ? b : c)`: the inner test repeats the outer one
      if (e.else.t === "cond" && key(e.else.test) === key(e.test)) return { ...e, else: e.else.else };
      // `t ? (t ? a : b) : c`: likewise
      if (e.then.t === "cond" && key(e.then.test) === key(e.test)) return { ...e, then: e.then.then };
      return condAsJunction(e) ?? touchedFirst(e) ?? presentOrError(e) ?? caseOfValue(e) ?? condIntoDefault(e, shortenCtx) ?? e;
    case "bin":
      return foldBin(e);
    case "call":
      return foldCall(e);
    case "sel":
    case "idx":
      return e.opt && isNone(e.of) ? e.of : e;
    default:
      return e;
  }
}

/**
 * A negation pushed inwards where that is shorter: `!l.exists(v, q)` is `l.all(v, !q)` and `!l.all(v, q)` is
 * `l.exists(v, !q)` (exists is true if some body is true, else an error if some body errs, else false — all dually —
 * so De Morgan holds with errors); `!(a || b)` is `!a && !b` and `!(a && b)` is `!a || !b` (likewise).
 */
function pushNot(x: CExpr): CExpr | undefined {
  if (x.t === "call" && x.target && (x.fn === "exists" || x.fn === "all") && x.args.length >= 2 && x.args.length <= 3) {
    const n = x.args.length - 1;
    const target = x.target;
    const body = inMacroScope(x, target, () => step(C.not(x.args[n]!)));
    return { ...x, fn: x.fn === "exists" ? "all" : "exists", args: [...x.args.slice(0, n), body] };
  }
  if ((x.t === "or" || x.t === "and") && x.of.length <= 8) return step({ t: x.t === "or" ? "and" : "or", of: x.of.map((y) => step(C.not(y))) });
  return undefined;
}

/**
 * `c ? x : false` is `c && x` (and `c ? true : x` is `c || x`, `c ? false : x` is `!c && x`, `c ? x : true` is
 * `!c || x`) when the test cannot fail and both branches are bools: where c errs the conditional errs and `&&` might
 * not, so only tests that never err qualify.
 */
function condAsJunction(e: Extract<CExpr, { t: "cond" }>): CExpr | undefined {
  if (!cannotError(e.test)) return undefined;
  const c = e.test;
  if (isConst(e.else, false) && surelyBool(e.then)) return step(C.and(c, e.then));
  if (isConst(e.then, true) && surelyBool(e.else)) return step(C.or(c, e.else));
  if (isConst(e.then, false) && surelyBool(e.else)) return step(C.and(step(C.not(c)), e.else));
  if (isConst(e.else, true) && surelyBool(e.then)) return step(C.or(step(C.not(c)), e.then));
  return undefined;
}

/** Fields of the `request` map always present (src/vap/celenv.ts requestValue: ToUnstructured drops the empty
 *  omitempty ones, so `name`, `namespace`, `subResource` and `userInfo.username`/`uid` may be absent: reading them
 *  can fail). */
const REQUEST_FIELDS = new Set(["operation", "dryRun", "uid", "kind.group", "kind.version", "kind.kind", "resource.group", "resource.version", "resource.resource", "requestKind.group", "requestKind.version", "requestKind.kind", "requestResource.group", "requestResource.version", "requestResource.resource"]);

/** Expressions that evaluate without error on every request: literals, set request fields, comparisons and
 *  connectives of those, presence tests on a map held by a name. */
function cannotError(e: CExpr): boolean {
  switch (e.t) {
    case "lit":
      return true;
    case "sel": {
      const t = plainText(e);
      return t !== undefined && t.startsWith("request.") && REQUEST_FIELDS.has(t.slice("request.".length));
    }
    case "bin":
      if (e.op === "==" || e.op === "!=") return cannotError(e.l) && cannotError(e.r);
      return e.op === "in" && cannotError(e.l) && ((e.r.t === "lit" && Array.isArray(e.r.v)) || (e.r.t === "list" && e.r.items.every(cannotError)));
    case "not":
      return cannotError(e.of);
    case "and":
    case "or":
      return e.of.every(cannotError);
    case "call":
      return e.fn === "has" && !e.target && e.args.length === 1 && e.args[0]!.t === "sel" && e.args[0]!.of.t === "id" && isMapExpr(e.args[0]!.of);
    default:
      return false;
  }
}

/** `[][0]`: the converters' way of writing "an evaluation error here". */
const isAlwaysError = (e: CExpr): boolean => e.t === "idx" && !e.opt && ((e.of.t === "list" && !e.of.items.length) || (e.of.t === "lit" && Array.isArray(e.of.v) && !e.of.v.length)) && e.key.t === "lit" && typeof e.key.v === "number";

/**
 * `has(x.f) ? a : [][0]` (or `x.?f.hasValue() ? …`, or negated with the branches swapped) is `a` when a errs wherever
 * the plain read `x.f` does: where the field is absent both err, where the test errs (x does) so does `x.f`.
 */
function presentOrError(e: Extract<CExpr, { t: "cond" }>): CExpr | undefined {
  const neg = e.test.t === "not";
  const test = neg ? (e.test as { of: CExpr }).of : e.test;
  const [a, b] = neg ? [e.else, e.then] : [e.then, e.else];
  if (!isAlwaysError(b)) return undefined;
  const read = test.t === "call" && test.fn === "has" && !test.target && test.args.length === 1 && test.args[0]!.t === "sel" ? test.args[0]! : test.t === "call" && test.fn === "hasValue" && test.target && !test.args.length ? plainOf(test.target) : undefined;
  return read && strictlyReads(a, read) ? a : undefined;
}

/**
 * `x == c ? a : b` is `b` when b gives at x = c what a gives there (both decided with x := c) and b errs wherever x
 * does (so where the test errs): c a literal of x's type (by type: then `x == c` holds for that value only).
 */
function caseOfValue(e: Extract<CExpr, { t: "cond" }>): CExpr | undefined {
  const t = e.test;
  if (t.t !== "bin" || t.op !== "==" || t.r.t !== "lit" || t.l.t === "lit") return undefined;
  const [x, c] = [t.l, t.r];
  const kind = typeof c.v === "string" ? "string" : typeof c.v === "boolean" ? "bool" : typeof c.v === "number" && Number.isInteger(c.v) ? "int" : undefined;
  if (!kind || scalarType(tyOf(x)) !== kind || !strictlyReads(e.else, x)) return undefined;
  const at = (y: CExpr): CExpr => simplifyFix(substitute(y, x, c));
  const [a, b] = [at(e.then), at(e.else)];
  return a.t === "lit" && b.t === "lit" && a.v === b.v ? e.else : undefined;
}

/**
 * `size([a, b]) == 2 ? x : y` (the converters' way of evaluating a and b first, for their errors) is `x` when x errs
 * wherever a or b does: the test is true whenever it does not err.
 */
function touchedFirst(e: Extract<CExpr, { t: "cond" }>): CExpr | undefined {
  const t = e.test;
  if (t.t !== "bin" || t.op !== "==" || t.r.t !== "lit" || t.l.t !== "call" || t.l.fn !== "size" || t.l.target || t.l.args.length !== 1) return undefined;
  const list = t.l.args[0]!;
  if (list.t !== "list" || t.r.v !== list.items.length) return undefined;
  const touched = list.items.map((x) => (x.t === "call" && x.fn === "dyn" && !x.target && x.args.length === 1 ? x.args[0]! : x));
  return touched.every((x) => strictlyReads(e.then, x) || rangedStrictly(e.then, x)) ? e.then : undefined;
}

/**
 * `m.map(k, k)` errs where m does or is no list or map; so does `'k' in m` (and a quantifier over m): a strict read
 * of m in such a position errs wherever the identity map would.
 */
function rangedStrictly(a: CExpr, x: CExpr): boolean {
  if (!isIdentityMap(x)) return false;
  const m = key((x as { target: CExpr }).target);
  return mustError(a, (n) => (n.t === "bin" && n.op === "in" && key(n.r) === m) || (isMacroCall(n) && key(n.target) === m));
}

/** Expressions whose value, when they have one, is a bool (by their form, or by type). */
function surelyBool(e: CExpr): boolean {
  return surelyBoolForm(e) || scalarType(tyOf(e)) === "bool";
}

function surelyBoolForm(e: CExpr): boolean {
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
      return surelyBoolForm(e.then) && surelyBoolForm(e.else);
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
  const typed = typedCompare(e);
  if (typed) return typed;
  const lits = literalCompare(e);
  if (lits !== undefined) return C.lit(lits);
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
  // `k in (c ? x : [])` is `c && k in x` for a literal k and a test that cannot err (both false where c is)
  if (e.op === "in" && l.t === "lit" && r.t === "cond" && isEmptyList(r.else) && cannotError(r.test)) return step(C.and(r.test, step(C.bin("in", l, r.then))));
  // `o.orValue(dyn(null)) == null` (`!=`) of an optional whose value is never null (by type) is `!o.hasValue()`
  if ((e.op === "==" || e.op === "!=") && unDyn(r).t === "lit" && (unDyn(r) as { v: unknown }).v === null && l.t === "call" && l.fn === "orValue" && l.target && l.args.length === 1 && isNullLit(l.args[0]!) && neverNull(optValue(tyOf(l.target)))) {
    const has = C.method(l.target, "hasValue");
    return e.op === "==" ? C.not(has) : has;
  }
  const keys = e.op === "in" ? identityMap(r) : undefined;
  if (keys) return { ...e, r: keys };
  if (e.op === "in" && r.t === "list" && r.items.length === 0 && safe(l)) return C.F;
  if (e.op === "in" && r.t === "list" && r.items.length === 1) return C.bin("==", l, r.items[0]!);
  if (e.op === "in" && r.t === "lit" && Array.isArray(r.v) && r.v.length === 1) return C.bin("==", l, C.lit(r.v[0]!));
  return e;
}

/**
 * Comparisons the value's type decides a shorter way (the types of built-in kinds' fields: src/emit/schema.ts):
 *  - `string(b) == 'true'` / `'false'` (`!=`) for a bool b is `b == true` / `b == false` (then `b` / `!b`): string()
 *    of a bool is exactly 'true' or 'false';
 *  - `string(i) == 'N'` for an int i and a canonical decimal N (no sign but `-`, no leading zero) is `i == N`:
 *    string() of an int is its canonical decimal;
 *  - `string(s) == 'x'` (`!=`, `in` a literal list) for a string s is `s == 'x'`;
 *  - `size(s) >= 1` (`> 0`, `!= 0`) for a string s is `s != ''`, `size(s) == 0` (`< 1`, `<= 0`) is `s == ''`;
 *  - `quantity(string(i)).compareTo(quantity('N')) OP 0` for an int i is `i OP N` (below).
 * Errors: the operand is evaluated either way, and these conversions of a value of that type cannot fail. The
 * types are those of built-in kinds' fields after the API server's validation (which runs before admission).
 */
function typedCompare(e: Extract<CExpr, { t: "bin" }>): CExpr | undefined {
  const { l, r } = e;
  const ordering = ["==", "!=", "<", "<=", ">", ">="].includes(e.op);
  // `quantity(string(i)).compareTo(quantity('N')) OP 0` of an int i and an integral N is `i OP N`: the quantity of
  // an int's decimal is that int, and quantities compare exactly
  if (ordering && r.t === "lit" && r.v === 0 && l.t === "call" && l.fn === "compareTo" && l.args.length === 1 && l.target) {
    const x = quantityOfIntString(l.target);
    const n = l.args[0]!.t === "call" && l.args[0]!.fn === "quantity" && !l.args[0]!.target && l.args[0]!.args.length === 1 ? intLiteralText(l.args[0]!.args[0]!) : undefined;
    if (x && n !== undefined) return C.bin(e.op, x, C.lit(n));
  }
  // `duration('a') OP duration('b')` of valid literals: decided here
  const lits = ordering ? literalDurations(l, r) : undefined;
  if (lits) return C.lit(compareBy(e.op, lits[0] < lits[1] ? -1 : lits[0] > lits[1] ? 1 : 0));
  // `string(s) == 'x'` (`!=`, `in [...]`) of a string s (by type) is `s == 'x'`
  const strLits = r.t === "lit" && (typeof r.v === "string" || (Array.isArray(r.v) && r.v.length > 0 && r.v.every((v) => typeof v === "string")));
  const unStr = (e.op === "==" || e.op === "!=" || e.op === "in") && strLits ? unString(l) : undefined;
  if (unStr) return step({ ...e, l: unStr });
  if ((e.op === "==" || e.op === "!=") && l.t === "call" && l.fn === "string" && !l.target && l.args.length === 1 && r.t === "lit" && typeof r.v === "string") {
    const x = l.args[0]!;
    const t = scalarType(tyOf(x));
    if (t === "bool" && (r.v === "true" || r.v === "false")) return step(C.bin(e.op, x, C.lit(r.v === "true")));
    if (t === "int" && /^(0|-?[1-9][0-9]*)$/.test(r.v) && Number.isSafeInteger(Number(r.v))) return step(C.bin(e.op, x, C.lit(Number(r.v))));
  }
  if (l.t === "call" && l.fn === "size" && !l.target && l.args.length === 1 && r.t === "lit" && typeof r.v === "number" && scalarType(tyOf(l.args[0]!)) === "string") {
    const s = l.args[0]!;
    const nonEmpty = (e.op === ">=" && r.v === 1) || (e.op === ">" && r.v === 0) || (e.op === "!=" && r.v === 0);
    const empty = (e.op === "==" && r.v === 0) || (e.op === "<" && r.v === 1) || (e.op === "<=" && r.v === 0);
    if (nonEmpty || empty) return C.bin(nonEmpty ? "!=" : "==", s, C.lit(""));
  }
  return undefined;
}

/** `quantity(string(i))` of an int i (by type): i; undefined for anything else. */
function quantityOfIntString(e: CExpr): CExpr | undefined {
  if (e.t !== "call" || e.fn !== "quantity" || e.target || e.args.length !== 1) return undefined;
  const s = e.args[0]!;
  if (s.t !== "call" || s.fn !== "string" || s.target || s.args.length !== 1) return undefined;
  return scalarType(tyOf(s.args[0]!)) === "int" ? s.args[0]! : undefined;
}

/** A string literal holding a canonical decimal int (no `+`, no leading zeros), as a number. */
function intLiteralText(e: CExpr): number | undefined {
  if (e.t !== "lit" || typeof e.v !== "string" || !/^(0|-?[1-9][0-9]*)$/.test(e.v)) return undefined;
  const n = Number(e.v);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Both sides `duration(<valid literal>)`: their nanoseconds. */
function literalDurations(l: CExpr, r: CExpr): [bigint, bigint] | undefined {
  const ns = (x: CExpr): bigint | undefined => {
    if (x.t !== "call" || x.fn !== "duration" || x.target || x.args.length !== 1 || x.args[0]!.t !== "lit" || typeof x.args[0]!.v !== "string") return undefined;
    try {
      const d = parseDuration(x.args[0]!.v).ns;
      // CEL durations stop at ±2^63 ns (beyond, duration() errs)
      return d < 2n ** 63n && d > -(2n ** 63n) ? d : undefined;
    } catch {
      return undefined;
    }
  };
  const [a, b] = [ns(l), ns(r)];
  return a !== undefined && b !== undefined ? [a, b] : undefined;
}

const compareBy = (op: string, c: number): boolean => (op === "==" ? c === 0 : op === "!=" ? c !== 0 : op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0);

/** Receiver methods of strings whose result does not depend on the receiver's static type (string or dyn). */
const STRING_RECEIVER = new Set(["startsWith", "endsWith", "contains", "matches", "lowerAscii", "upperAscii", "split", "replace", "trim", "substring", "indexOf", "lastIndexOf", "charAt", "find", "findAll"]);

/** `string(s)` of a value typed string: `s` (string() of a string is the string itself, and errs only where s does);
 *  undefined for anything else. Used only where the result's static type (string vs dyn) does not matter. */
function unString(e: CExpr): CExpr | undefined {
  if (e.t !== "call" || e.fn !== "string" || e.target || e.args.length !== 1) return undefined;
  return scalarType(tyOf(e.args[0]!)) === "string" ? e.args[0]! : undefined;
}

/** Ordering of two int literals, and membership of a scalar literal in a literal list. */
function literalCompare(e: Extract<CExpr, { t: "bin" }>): boolean | undefined {
  const { l, r } = e;
  if (l.t !== "lit" || !isScalar(l.v)) return undefined;
  if (e.op === "in") {
    const items = r.t === "lit" && Array.isArray(r.v) ? r.v : r.t === "list" && r.items.every((x) => x.t === "lit") ? r.items.map((x) => (x as { v: unknown }).v) : undefined;
    if (!items || !items.every(isScalar)) return undefined;
    return items.some((v) => v === l.v && typeof v === typeof l.v);
  }
  // ints only (CEL orders strings by code point, JavaScript by UTF-16 unit)
  if (r.t !== "lit" || typeof l.v !== "number" || typeof r.v !== "number") return undefined;
  const [a, b] = [l.v, r.v];
  switch (e.op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    default:
      return undefined;
  }
}

const isEmptyList = (e: CExpr): boolean => (e.t === "list" && !e.items.length) || (e.t === "lit" && Array.isArray(e.v) && !e.v.length);
const isNullLit = (e: CExpr): boolean => unDyn(e).t === "lit" && (unDyn(e) as { v: unknown }).v === null;

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

/** Go time.ParseDuration's strings (converters/kyverno/lower/pattern.ts DURATION_RE). */
const DURATION_RE = "^[-+]?(0|((\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)$";

/**
 * `o.optMap(x, x.exists(k, p)).orValue(false)` is `o.orValue({}).exists(k, p)` (`all` with `orValue(true)` alike)
 * for an optional map or list (by type; `[]` for a list): none gives the empty range, where exists is false and all
 * true; a value is ranged over as before; p does not read x.
 */
function quantifierOfOptional(e: Extract<CExpr, { t: "call" }>): CExpr | undefined {
  const t = e.target;
  if (e.fn !== "orValue" || e.args.length !== 1 || e.args[0]!.t !== "lit" || typeof e.args[0]!.v !== "boolean") return undefined;
  if (!t || t.t !== "call" || t.fn !== "optMap" || !t.target || t.args.length !== 2 || t.args[0]!.t !== "id") return undefined;
  const x = (t.args[0] as { name: string }).name;
  const q = t.args[1]!;
  if (q.t !== "call" || (q.fn !== "exists" && q.fn !== "all") || q.args.length !== 2 || q.target?.t !== "id" || q.target.name !== x) return undefined;
  if ((q.fn === "exists") !== (e.args[0]!.v === false) || freeIds(q.args[1]!).has(x) || (q.args[0]!.t === "id" && q.args[0]!.name === x)) return undefined;
  const v = optValue(tyOf(t.target));
  const empty: CExpr | undefined = isMapType(v) && neverNull(v) ? { t: "map", entries: [] } : isListType(v) && neverNull(v) ? C.list([]) : undefined;
  return empty && { ...q, target: C.method(t.target, "orValue", empty) };
}

/** `x.map(k, k)`. */
const isIdentityMap = (e: CExpr): boolean => e.t === "call" && e.fn === "map" && !!e.target && e.args.length === 2 && e.args[0]!.t === "id" && e.args[1]!.t === "id" && (e.args[0] as { name: string }).name === (e.args[1] as { name: string }).name;

/** A list or a map (by type): `size()` counts its elements or keys. */
const sizedByType = (e: CExpr): boolean => {
  const t = tyOf(e);
  return isMapType(t) || isListType(t);
};

/** `optional.none()` (built only while shorten.ts tests what an expression gives where a field is absent). */
const isNone = (e: CExpr | undefined): boolean => e?.t === "call" && e.fn === "none" && e.target?.t === "id" && e.target.name === "optional" && e.args.length === 0;

function foldCall(e: Extract<CExpr, { t: "call" }>): CExpr {
  if (isNone(e.target)) {
    if (e.fn === "hasValue" && !e.args.length) return C.F;
    if ((e.fn === "orValue" || e.fn === "or") && e.args.length === 1) return e.args[0]!;
    if (e.fn === "optMap" || e.fn === "optFlatMap") return e.target!;
  }
  const a = e.args[0];
  // string() of a literal
  if (e.fn === "string" && !e.target && e.args.length === 1 && a?.t === "lit" && (typeof a.v === "string" || typeof a.v === "boolean" || (typeof a.v === "number" && Number.isSafeInteger(a.v)))) return C.lit(String(a.v));
  // `string(i).matches(DURATION_RE)` of an int i (by type) is `i == 0`: an int's decimal has no unit, so of all
  // of them only '0' is a Go duration (the Kyverno lowering tests values for durations this way)
  if (e.fn === "matches" && e.target && strLit(a) === DURATION_RE && e.target.t === "call" && e.target.fn === "string" && !e.target.target && e.target.args.length === 1 && scalarType(tyOf(e.target.args[0]!)) === "int")
    return C.bin("==", e.target.args[0]!, C.lit(0));
  // `string(s).m(…)` / `size(string(s))` of a string s (by type) is `s.m(…)` / `size(s)`
  const unStrTarget = e.target && STRING_RECEIVER.has(e.fn) ? unString(e.target) : undefined;
  if (unStrTarget) return step({ ...e, target: unStrTarget });
  const unStrArg = e.fn === "size" && !e.target && a ? unString(a) : undefined;
  if (unStrArg) return step({ ...e, args: [unStrArg] });
  if (e.fn === "size" && !e.target && e.args.length === 1 && a?.t === "lit" && (typeof a.v === "string" || Array.isArray(a.v))) return C.lit(typeof a.v === "string" ? [...a.v].length : a.v.length);
  // a quantifier over `x.map(k, k)` (a map's keys, a list itself) is the quantifier over x: it ranges over the same
  // elements, and both err for anything but a list or map
  if (e.target && (e.fn === "all" || e.fn === "exists" || e.fn === "exists_one" || e.fn === "existsOne") && e.args.length === 2 && isIdentityMap(e.target)) return step({ ...e, target: (e.target as { target: CExpr }).target });
  // `size(c ? x.map(k, k) : y)`: the branch's size is x's (x a list or map by type)
  if (e.fn === "size" && !e.target && e.args.length === 1 && a?.t === "cond" && isIdentityMap(a.then) && sizedByType((a.then as { target: CExpr }).target)) return step({ ...e, args: [{ ...a, then: (a.then as { target: CExpr }).target }] });
  // `size(x.map(k, k))` of a list or map (by type) is `size(x)`: a map's keys, a list's elements, one each
  if (e.fn === "size" && !e.target && e.args.length === 1 && a?.t === "call" && a.fn === "map" && a.target && a.args.length === 2 && a.args[0]!.t === "id" && a.args[1]!.t === "id" && (a.args[0] as { name: string }).name === (a.args[1] as { name: string }).name) {
    const t = tyOf(a.target);
    if (isMapType(t) || isListType(t)) return { ...e, args: [a.target] };
  }
  const recv = strLit(e.target);
  const arg = strLit(a);
  if (recv !== undefined && arg !== undefined && e.args.length === 1) {
    if (e.fn === "startsWith") return C.lit(recv.startsWith(arg));
    if (e.fn === "endsWith") return C.lit(recv.endsWith(arg));
    if (e.fn === "contains") return C.lit(recv.includes(arg));
  }
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
  // a quantifier over the empty list never runs its body
  const emptyRange = e.target && ((e.target.t === "list" && !e.target.items.length) || (e.target.t === "lit" && Array.isArray(e.target.v) && !e.target.v.length));
  if (emptyRange && (e.fn === "all" || e.fn === "exists" || e.fn === "exists_one" || e.fn === "existsOne") && e.args.length >= 2) return C.lit(e.fn === "all");
  if (e.target && body && (e.fn === "all" || e.fn === "exists") && e.args.length === 2 && body.t === "lit" && typeof body.v === "boolean") {
    const t = e.target;
    if (e.fn === "all" && body.v) return safe(t) ? C.T : e;
    if (e.fn === "exists" && !body.v) return safe(t) ? C.F : e;
    // all(v, false): empty; exists(v, true): non-empty
    return e.fn === "all" ? C.bin("==", C.call("size", [t]), C.lit(0)) : C.bin(">", C.call("size", [t]), C.lit(0));
  }
  if (e.fn === "size" && !e.target && e.args.length === 1 && e.args[0]!.t === "list" && e.args[0]!.items.every(safe)) return C.lit(e.args[0]!.items.length);
  if (e.fn === "orValue" && e.target?.t === "call" && e.target.fn === "of" && e.target.target?.t === "id" && e.target.target.name === "optional") return e.target.args[0]!;
  const ranged = quantifierOfOptional(e);
  if (ranged) return step(ranged);
  return e;
}

/** Expressions known to be maps whenever they evaluate (`object`, and variables the caller vouches for), by key. */
let knownMaps: ReadonlySet<string> = new Set();

/** Types of the names in scope: admission roots, `variables.x` (dotted), comprehension variables being walked. */
let scope = new Map<string, Ty>();

const tyOf = (e: CExpr): Ty => typeOf(e, scope);

/** `e` is a map whenever it evaluates: a known map, or typed so. */
function isMapExpr(e: CExpr): boolean {
  return knownMaps.has(plainText(e) ?? "") || isMapType(tyOf(e));
}

const shortenCtx: ShortenCtx = { fold: (e) => simplifyFix(e), typeOf: tyOf, isMap: isMapExpr };

/** Simplify bottom-up until nothing changes (each step only shrinks the tree). */
export function simplify(e: CExpr): CExpr {
  return simplifyWith(e, []);
}

/**
 * `simplify` knowing that the expressions `maps` (CEL text) are maps whenever they have a value, and the types of
 * names (`object`, `variables.pod`, …: src/emit/schema.ts) where the caller knows them.
 */
export function simplifyWith(e: CExpr, maps: readonly string[], types: ReadonlyMap<string, Ty> = new Map()): CExpr {
  const prev = knownMaps;
  const prevScope = scope;
  // `object` is a map whenever it has a value — unless the caller's types say it may be null (DELETE)
  const objectType = types.get("object");
  knownMaps = new Set([...(objectType === undefined || isMapType(objectType) || !mayBeNull(objectType) ? ["object"] : []), ...maps]);
  scope = new Map(types);
  try {
    return simplifyFix(e);
  } finally {
    knownMaps = prev;
    scope = prevScope;
  }
}

const isMacroCall = (e: CExpr): e is Extract<CExpr, { t: "call" }> & { target: CExpr } => e.t === "call" && !!e.target && MACROS.has(e.fn) && e.args.length >= 2;

/** Run `f` with the variables of macro call `x` (over the simplified range `target`) bound to their types. */
function inMacroScope<T>(x: Extract<CExpr, { t: "call" }>, target: CExpr, f: () => T): T {
  const n = macroVars(x.fn, x.args.length);
  const names = x.args.slice(0, n).map((a) => (a.t === "id" ? a.name : ""));
  const types = macroBindings(x.fn, tyOf(target), x.args.length);
  const saved = names.map((v) => [v, scope.get(v)] as const);
  names.forEach((v, i) => scope.set(v, types[i]!));
  try {
    return f();
  } finally {
    for (const [v, t] of saved.reverse()) {
      if (t === undefined) scope.delete(v);
      else scope.set(v, t);
    }
  }
}

/** One bottom-up pass; a macro's body is simplified with its variables bound to the types its range gives them. */
function once(x: CExpr): CExpr {
  if (!isMacroCall(x)) return step(mapChildren(x, once));
  const target = once(x.target);
  const n = macroVars(x.fn, x.args.length);
  const body = inMacroScope(x, target, () => x.args.slice(n).map(once));
  const same = target === x.target && body.every((b, i) => b === x.args[n + i]);
  return step(same ? x : { ...x, target, args: [...x.args.slice(0, n), ...body] });
}

function simplifyFix(e: CExpr): CExpr {
  let cur = e;
  for (let i = 0; i < 8; i++) {
    const next = once(cur);
    if (key(next) === key(cur)) return next;
    cur = next;
  }
  return cur;
}
